using AlexNet.Actors.Checkpoints;
using AlexNet.Actors.Hosting;
using AlexNet.Actors.Protocol;
using AlexNet.Actors.Training;
using AlexNet.Model;
using Xunit;
using Xunit.Abstractions;

namespace AlexNet.Actors.Tests;

/// <summary>
/// fp16 runs through the towers with a loss scale far too large to start with (this network's fp16
/// gradients overflow above about 2^16): a dynamic scale skips those steps, leaving the weights as the
/// one-process reference leaves them, and halves itself until the gradients fit; a static one stops
/// the run; a resumed run goes on with the scale it had reached.
/// </summary>
public class DynamicLossScaleTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("lossscale-").FullName;
    private const int Batch = 16;

    private static TrainingSettings Settings(LossScaleMode mode, long steps, double scale = LossScaler.MaxScale) => new()
    {
        BatchSize = Batch, Epochs = 5, MaxSteps = steps, LearningRate = 0.02, Seed = 3, Validate = false, LogEvery = 1,
        Compute = new ComputeOptions { Precision = Precision.Fp16, LossScale = scale, LossScaleMode = mode, LossScaleGrowthInterval = 3 },
    };

    private static async Task<(TrainingFinished? Finished, TrainingFailed? Failed, List<StepCompleted> Steps)> Run(TrainingSettings settings)
    {
        var steps = new List<StepCompleted>();
        try
        {
            var finished = await LocalRun.RunAsync(new LocalRunOptions(TestSetup.Tiny(2), settings, TestSetup.Data(train: 128), TestSetup.Augmentation, Loaders: 1),
                e => { if (e is StepCompleted s) lock (steps) steps.Add(s); });
            return (finished, null, steps);
        }
        catch (TrainingFailedException e) { return (null, new TrainingFailed(e.Message), steps); }
    }

    [Fact]
    public async Task A_dynamic_scale_skips_overflowing_steps_halves_itself_and_the_actors_skip_what_the_reference_skips()
    {
        const int steps = 12, perEpoch = 128 / Batch, certain = 3;
        // From 2^20: this network's fp16 gradients overflow down to about 2^16 (measured here), so the
        // first three steps (2^20, 2^19, 2^18) overflow with a wide margin on any machine; where the
        // scale first fits depends on rounding, which other CPUs may do differently.
        var settings = Settings(LossScaleMode.Dynamic, steps, scale: 1 << 20);
        var (finished, failed, events) = await Run(settings);
        Assert.Null(failed);
        foreach (var s in events) output.WriteLine($"step {s.Step}: loss {s.Loss:F4}, next scale {s.Fp16!.Scale}, skipped {s.Fp16.SkippedSteps}");

        // Skipped steps leave every tower's weights as they were: each loss is the reference's on its initial weights.
        var data = TestSetup.Data(train: 128);
        using var reference = new ReferenceTrainer(TestSetup.Tiny(2) with { Classes = 10 }, settings, data.Statistics, TorchSharp.torch.CPU);
        for (int s = 0; s < certain; s++)
        {
            float loss = reference.Step(TestSetup.TrainBatch(data, settings.Seed, Batch, s / perEpoch, s % perEpoch), s, settings.LearningRate).Loss;
            Assert.True(Math.Abs(loss - finished!.Losses[s]) <= 1e-3 * loss, $"step {s}: actors {finished.Losses[s]}, fp16 reference {loss}");
            Assert.Equal(s + 1, reference.LossScaler.SkippedSteps);
            Assert.Equal((double)(1 << (19 - s)), events[s].Fp16!.Scale);
            Assert.Equal(s + 1, events[s].Fp16!.SkippedSteps);
        }

        // Then the rule: a skipped step halves the scale, an applied one keeps it or (after 3 in a row) doubles it.
        double scale = 1 << 20;
        int inARow = 0;
        for (int s = 0; s < steps; s++)
        {
            var now = events[s].Fp16!;
            bool skipped = now.SkippedSteps > (s == 0 ? 0 : events[s - 1].Fp16!.SkippedSteps);
            inARow = skipped ? 0 : inARow + 1;
            double expected = skipped ? scale / 2 : inARow == 3 ? scale * 2 : scale;
            if (inARow == 3) inARow = 0;
            Assert.Equal(expected, now.Scale);
            scale = now.Scale;
        }
        Assert.True(events[^1].Fp16!.SkippedSteps < steps - 2, "the scale came down to one that fits, and steps were applied");
        Assert.All(finished!.Losses, l => Assert.True(float.IsFinite(l)));
    }

    [Fact]
    public async Task A_static_scale_that_overflows_stops_the_run_naming_the_key()
    {
        var (finished, failed, _) = await Run(Settings(LossScaleMode.Static, 4));
        Assert.Null(finished);
        Assert.Contains("fp16 gradients overflowed at loss scale 16777216", failed!.Reason);
        Assert.Contains("alexnet.train.loss-scale", failed.Reason);
    }

    [Fact]
    public async Task A_resumed_run_goes_on_with_the_scale_it_had_reached()
    {
        var whole = await Run(Settings(LossScaleMode.Dynamic, 8));
        var first = await Run(Settings(LossScaleMode.Dynamic, 4) with { CheckpointDir = _dir, CheckpointEverySteps = 2 });
        var manifest = new CheckpointStore(_dir).LatestValid(TestSetup.Tiny(2) with { Classes = 10 }, _ => { })!.Value.Manifest;
        Assert.Equal(first.Steps[^1].Fp16!.Scale, manifest.State.LossScale);
        Assert.Equal(first.Steps[^1].Fp16!.SkippedSteps, manifest.State.SkippedSteps);
        var resumed = await Run(Settings(LossScaleMode.Dynamic, 8) with { CheckpointDir = _dir, CheckpointEverySteps = 2 });
        Assert.Equal(new long[] { 4, 5, 6, 7 }, resumed.Steps.Select(s => s.Step));
        Assert.Equal(whole.Steps.Skip(4).Select(s => (s.Loss, s.Fp16)), resumed.Steps.Select(s => (s.Loss, s.Fp16)));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
