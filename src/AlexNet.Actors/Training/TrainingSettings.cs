using AlexNet.Model;

namespace AlexNet.Actors.Training;

/// <summary>Which learning-rate schedule and its parameters (keys under alexnet.train.schedule).</summary>
public sealed record ScheduleSettings(
    string Kind = "plateau", double Factor = 0.1, int Patience = 2, int MaxReductions = 3, double Threshold = 1e-4,
    int StepEpochs = 30, double WarmupEpochs = 0, double MinRate = 0.0);

/// <summary>Everything the coordinator and towers need to know about how to train.</summary>
public sealed record TrainingSettings
{
    public int BatchSize { get; init; } = 128;
    public int Epochs { get; init; } = 90;
    /// <summary>0 = no limit.</summary>
    public long MaxSteps { get; init; }
    public double LearningRate { get; init; } = 0.01;
    public double Momentum { get; init; } = 0.9;
    public double WeightDecay { get; init; } = 5e-4;
    public MomentumForm MomentumForm { get; init; } = MomentumForm.Paper;
    public long Seed { get; init; } = 1;
    public int LogEvery { get; init; } = 20;
    public ScheduleSettings Schedule { get; init; } = new();
    public int MaxBatchesInFlight { get; init; } = 4;
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromMinutes(10);
    /// <summary>0 = same as <see cref="BatchSize"/>.</summary>
    public int ValidationBatchSize { get; init; }
    /// <summary>Run validation at every epoch end.</summary>
    public bool Validate { get; init; } = true;
    /// <summary>Folder of this run's checkpoints; null = no checkpoints.</summary>
    public string? CheckpointDir { get; init; }
    /// <summary>Checkpoint every this many steps (0 = only at epoch ends).</summary>
    public int CheckpointEverySteps { get; init; }
    /// <summary>Newest checkpoints kept (the best by validation error is kept as well).</summary>
    public int KeepCheckpoints { get; init; } = 3;
    /// <summary>Continue from the newest usable checkpoint in <see cref="CheckpointDir"/> when there is one.</summary>
    public bool Resume { get; init; } = true;
    /// <summary>Precision, memory format, fp16 loss scale and pinned host copies of every tower (and the bench's reference).</summary>
    public ComputeOptions Compute { get; init; } = ComputeOptions.Default;

    public int EffectiveValidationBatchSize => ValidationBatchSize > 0 ? ValidationBatchSize : BatchSize;

    public TrainingSettings Check()
    {
        if (BatchSize < 1) throw new InvalidModelConfigException("train.batch-size", BatchSize, "at least 1");
        if (Epochs < 1) throw new InvalidModelConfigException("train.epochs", Epochs, "at least 1");
        if (MaxSteps < 0) throw new InvalidModelConfigException("train.max-steps", MaxSteps, "0 (no limit) or more");
        if (!(LearningRate > 0)) throw new InvalidModelConfigException("train.learning-rate", LearningRate, "a positive number");
        if (!(Momentum >= 0 && Momentum < 1)) throw new InvalidModelConfigException("train.momentum", Momentum, "a number in [0, 1)");
        if (!(WeightDecay >= 0)) throw new InvalidModelConfigException("train.weight-decay", WeightDecay, "0 or more");
        if (MaxBatchesInFlight < 1) throw new InvalidModelConfigException("coordinator.max-batches-in-flight", MaxBatchesInFlight, "at least 1");
        if (CheckpointEverySteps < 0) throw new InvalidModelConfigException("checkpoint.every-steps", CheckpointEverySteps, "0 or more");
        if (KeepCheckpoints < 1) throw new InvalidModelConfigException("checkpoint.keep-last", KeepCheckpoints, "at least 1");
        if (LogEvery < 0) throw new InvalidModelConfigException("train.log-every", LogEvery, "0 (only per epoch) or more");
        if (ValidationBatchSize < 0) throw new InvalidModelConfigException("coordinator.validation-batch-size", ValidationBatchSize, "0 (the training batch size) or more");
        if (StepTimeout <= TimeSpan.Zero) throw new InvalidModelConfigException("coordinator.step-timeout", StepTimeout, "a positive duration");
        if (Schedule.Kind is not ("plateau" or "step" or "cosine"))
            throw new InvalidModelConfigException("train.schedule.kind", Schedule.Kind, "plateau, step or cosine");
        if (!(Schedule.Factor > 0)) throw new InvalidModelConfigException("train.schedule.factor", Schedule.Factor, "a positive number");
        if (Schedule.Patience < 0) throw new InvalidModelConfigException("train.schedule.patience", Schedule.Patience, "0 or more epochs");
        if (Schedule.MaxReductions < 0) throw new InvalidModelConfigException("train.schedule.max-reductions", Schedule.MaxReductions, "0 or more");
        if (!(Schedule.Threshold >= 0)) throw new InvalidModelConfigException("train.schedule.threshold", Schedule.Threshold, "0 or more");
        if (Schedule.StepEpochs < 1) throw new InvalidModelConfigException("train.schedule.step-epochs", Schedule.StepEpochs, "at least 1");
        if (!(Schedule.WarmupEpochs >= 0)) throw new InvalidModelConfigException("train.schedule.warmup-epochs", Schedule.WarmupEpochs, "0 (no warm-up) or more epochs");
        if (!(Schedule.MinRate >= 0)) throw new InvalidModelConfigException("train.schedule.min-rate", Schedule.MinRate, "0 or more");
        Compute.Validate();
        return this;
    }
}
