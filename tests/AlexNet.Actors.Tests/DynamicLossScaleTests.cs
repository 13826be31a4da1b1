using AlexNet.Actors.Checkpoints;
using AlexNet.Actors.Hosting;
using AlexNet.Actors.Protocol;
using AlexNet.Actors.Training;
using AlexNet.Model;
using Xunit;
using Xunit.Abstractions;

namespace AlexNet.Actors.Tests;

/// <summary>
/// fp16 runs through the towers with a loss scale far too large to start with (2^24, where this
/// network's fp16 gradients overflow): a dynamic scale skips those steps and halves itself until the
/// gradients fit, exactly as the one-process reference does; a static one stops the run; a resumed
/// run goes on with the scale it had reached.
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
        const int steps = 12, perEpoch = 128 / Batch;
        // From 2^20 this network's fp16 gradients overflow for about six halvings.
        var settings = Settings(LossScaleMode.Dynamic, steps, scale: 1 << 20);
        var (finished, failed, events) = await Run(settings);
        Assert.Null(failed);
        foreach (var s in events) output.WriteLine($"step {s.Step}: loss {s.Loss:F4}, next scale {s.Fp16!.Scale}, skipped {s.Fp16.SkippedSteps}");

        var data = TestSetup.Data(train: 128);
        using var reference = new ReferenceTrainer(TestSetup.Tiny(2) with { Classes = 10 }, settings, data.Statistics, TorchSharp.torch.CPU);
        for (int s = 0; s < steps; s++)
        {
            float loss = reference.Step(TestSetup.TrainBatch(data, settings.Seed, Batch, s / perEpoch, s % perEpoch), s, settings.LearningRate).Loss;
            output.WriteLine($"reference step {s}: loss {loss:F4}, next scale {reference.LossScaler.Scale}");
            // A step the towers applied and the reference skipped (or the reverse) would part the losses from there on.
            Assert.True(Math.Abs(loss - finished!.Losses[s]) <= 1e-2 * loss, $"step {s}: actors {finished.Losses[s]}, fp16 reference {loss}");
            Assert.Equal(reference.LossScaler.Scale, events[s].Fp16!.Scale);
            Assert.Equal(reference.LossScaler.SkippedSteps, events[s].Fp16!.SkippedSteps);
        }
        var last = events[^1].Fp16!;
        Assert.InRange(last.SkippedSteps, 1, steps - 3);
        Assert.True(last.Scale < 1 << 20, "the scale came down");
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
