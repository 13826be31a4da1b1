using System.Globalization;
using AlexNet.Actors.Training;
using AlexNet.Cluster.Protocol;

namespace AlexNet.Cluster.Hosting;

/// <summary>
/// The training settings that decide what a run computes and where it keeps its checkpoints, as
/// configuration keys with their values. A coordinator node that joins a run must have the same
/// ones as the coordinator in charge: it takes the run over when that one's node goes away, and
/// would otherwise continue another run (or refuse every node) from the same checkpoint folder.
/// </summary>
public static class RunTerms
{
    public static IReadOnlyList<RunTerm> Of(TrainingSettings t)
    {
        static string N(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        var s = t.Schedule;
        return new RunTerm[]
        {
            new("alexnet.train.batch-size", t.BatchSize.ToString(CultureInfo.InvariantCulture)),
            new("alexnet.train.epochs", t.Epochs.ToString(CultureInfo.InvariantCulture)),
            new("alexnet.train.max-steps", t.MaxSteps.ToString(CultureInfo.InvariantCulture)),
            new("alexnet.train.learning-rate", N(t.LearningRate)),
            new("alexnet.train.momentum", N(t.Momentum)),
            new("alexnet.train.weight-decay", N(t.WeightDecay)),
            new("alexnet.train.momentum-form", t.MomentumForm.ToString().ToLowerInvariant()),
            new("alexnet.train.schedule.kind", s.Kind),
            new("alexnet.train.schedule.factor", N(s.Factor)),
            new("alexnet.train.schedule.patience", s.Patience.ToString(CultureInfo.InvariantCulture)),
            new("alexnet.train.schedule.max-reductions", s.MaxReductions.ToString(CultureInfo.InvariantCulture)),
            new("alexnet.train.schedule.threshold", N(s.Threshold)),
            new("alexnet.train.schedule.step-epochs", s.StepEpochs.ToString(CultureInfo.InvariantCulture)),
            new("alexnet.train.schedule.warmup-epochs", N(s.WarmupEpochs)),
            new("alexnet.train.schedule.min-rate", N(s.MinRate)),
            new("alexnet.train.precision", t.Compute.Precision.ToString().ToLowerInvariant()),
            new("alexnet.train.loss-scale", N(t.Compute.LossScale)),
            new("alexnet.train.loss-scale-mode", t.Compute.LossScaleMode.ToString().ToLowerInvariant()),
            new("alexnet.train.loss-scale-growth-interval", t.Compute.LossScaleGrowthInterval.ToString(CultureInfo.InvariantCulture)),
            new("alexnet.coordinator.validation-batch-size", t.ValidationBatchSize.ToString(CultureInfo.InvariantCulture)),
            new("alexnet.checkpoint.dir", t.CheckpointDir ?? "(none)"),
            new("alexnet.checkpoint.every-steps", t.CheckpointEverySteps.ToString(CultureInfo.InvariantCulture)),
            new("alexnet.checkpoint.resume", t.Resume ? "on" : "off"),
        };
    }
}
