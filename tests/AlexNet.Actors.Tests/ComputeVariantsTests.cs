using Akka.Actor;
using Akka.TestKit.Xunit2;
using AlexNet.Actors.Coordination;
using AlexNet.Actors.Hosting;
using AlexNet.Actors.Loading;
using AlexNet.Actors.Protocol;
using AlexNet.Actors.Towers;
using AlexNet.Actors.Training;
using AlexNet.Model;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace AlexNet.Actors.Tests;

/// <summary>
/// The speed variants through the whole pipeline: the coordinator hands every tower its
/// ComputeOptions, channels-last towers train exactly what the fp32 reference trains, and
/// reduced-precision towers follow the reference in the same precision (which tells the options
/// arrived: bf16 losses differ from fp32 ones in the fourth digit) and learn as fp32 does.
/// </summary>
public class ComputeVariantsTests(ITestOutputHelper output) : TestKit(TestSetup.Akka)
{
    private const int Batch = 16;

    private TrainingFinished TrainThroughActors(AlexNetConfig config, TrainingSettings settings, LoaderData data)
    {
        var towers = Enumerable.Range(0, config.Towers).Select(_ => Sys.ActorOf(TowerActor.Props("cpu", 1))).ToList();
        var loaders = Enumerable.Range(0, 2).Select(_ => Sys.ActorOf(DataLoaderActor.Props(data, TestSetup.Augmentation, settings.Seed))).ToList();
        var listener = CreateTestProbe();
        Sys.ActorOf(CoordinatorActor.Props(config, settings, towers, loaders, listener.Ref, shareInputs: true));
        var outcome = listener.FishForMessage<object>(m => m is TrainingFinished or TrainingFailed, TimeSpan.FromMinutes(3));
        LastTowers = towers;
        return outcome as TrainingFinished ?? throw new Xunit.Sdk.XunitException(((TrainingFailed)outcome).Reason);
    }

    private List<IActorRef> LastTowers { get; set; } = new();

    private static float[] ReferenceLosses(AlexNetConfig config, TrainingSettings settings, LoaderData data, int steps, out ReferenceTrainer trainer)
    {
        trainer = new ReferenceTrainer(config, settings, data.Statistics, CPU);
        var losses = new float[steps];
        for (int s = 0; s < steps; s++)
            losses[s] = trainer.Step(TestSetup.TrainBatch(data, settings.Seed, Batch, 0, s), s, settings.LearningRate).Loss;
        return losses;
    }

    [Fact]
    public void Channels_last_towers_train_what_the_fp32_reference_trains()
    {
        const int steps = 4;
        var config = TestSetup.Tiny(2) with { Classes = 10 };
        var data = TestSetup.Data(train: 128);
        var settings = new TrainingSettings { BatchSize = Batch, Epochs = 1, MaxSteps = steps, LearningRate = 0.02, Seed = 3, Validate = false, MaxBatchesInFlight = 2 };
        var finished = TrainThroughActors(config, settings with { Compute = new ComputeOptions { MemoryFormat = MemoryFormat.ChannelsLast } }, data);

        var expected = ReferenceLosses(config, settings, data, steps, out var reference);
        using (reference)
        {
            for (int s = 0; s < steps; s++)
                Assert.True(Math.Abs(expected[s] - finished.Losses[s]) <= 1e-4 * expected[s], $"step {s}: channels-last actors {finished.Losses[s]}, fp32 reference {expected[s]}");
            var towerWeights = LastTowers.Select(t => (IReadOnlyDictionary<string, Tensor>)t.Ask<TowerWeights>(new GetTowerWeights(), TimeSpan.FromSeconds(30)).Result.Parameters).ToList();
            using var gathered = new ReferenceAlexNet(config);
            WeightMapping.Gather(towerWeights, gathered);
            var want = reference.Network.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            foreach (var (name, actual) in gathered.named_parameters())
            {
                Assert.True(actual.is_contiguous(), $"{name}: the weights stay NCHW-contiguous");
                double scale = want[name].abs().max().item<float>();
                double err = (actual - want[name]).abs().max().item<float>();
                Assert.True(err <= 1e-4 * scale, $"{name}: max difference {err} (scale {scale})");
            }
        }
    }

    [Theory]
    [InlineData(Precision.Bf16, MemoryFormat.Contiguous)]
    [InlineData(Precision.Fp16, MemoryFormat.ChannelsLast)]
    [InlineData(Precision.Bf16, MemoryFormat.ChannelsLast)]
    public async Task Reduced_precision_towers_follow_the_reference_in_the_same_precision(Precision precision, MemoryFormat format)
    {
        const int steps = 4;
        var config = TestSetup.Tiny(2) with { Classes = 10 };
        var data = TestSetup.Data(train: 128);
        var settings = new TrainingSettings
        {
            BatchSize = Batch, Epochs = 1, MaxSteps = steps, LearningRate = 0.02, Seed = 3, Validate = false, MaxBatchesInFlight = 2,
            // A fixed fp16 scale: the default (dynamic, from 65536) skips this network's first steps (DynamicLossScaleTests).
            Compute = new ComputeOptions { Precision = precision, LossScale = 1024, LossScaleMode = LossScaleMode.Static },
        };
        // The towers may run channels-last too: the reference in the same precision stays NCHW.
        var finished = TrainThroughActors(config, settings with { Compute = settings.Compute with { MemoryFormat = format } }, data);
        var expected = ReferenceLosses(config, settings, data, steps, out var reference);
        var fp32 = ReferenceLosses(config, settings with { Compute = ComputeOptions.Default }, data, steps, out var fp32Reference);
        reference.Dispose();
        fp32Reference.Dispose();
        for (int s = 0; s < steps; s++)
        {
            output.WriteLine($"step {s}: actors {finished.Losses[s]}, {precision} reference {expected[s]}, fp32 reference {fp32[s]}");
            // Towers and the grouped reference round in different places (fp32 at segment boundaries): close, not equal.
            Assert.True(Math.Abs(expected[s] - finished.Losses[s]) <= 1e-2 * expected[s], $"step {s}: actors {finished.Losses[s]}, {precision} reference {expected[s]}");
            Assert.True(Math.Abs(fp32[s] - finished.Losses[s]) <= 2e-2 * fp32[s], $"step {s}: actors {finished.Losses[s]}, fp32 reference {fp32[s]}");
        }
        var weights = await LastTowers[0].Ask<TowerWeights>(new GetTowerWeights(), TimeSpan.FromSeconds(30));
        Assert.All(weights.Parameters.Values.Concat(weights.Momentum.Values), t => Assert.Equal(ScalarType.Float32, t.dtype));
    }

    [Theory]
    [InlineData(Precision.Bf16)]
    [InlineData(Precision.Fp16)]
    public async Task Forty_reduced_precision_steps_reduce_the_loss_as_fp32_does(Precision precision)
    {
        // 32 images, two batches per epoch, 20 epochs; the same run in fp32 is the control.
        var settings = new TrainingSettings { BatchSize = Batch, Epochs = 20, LearningRate = 0.005, Seed = 1, LogEvery = 0, Validate = false };
        async Task<float[]> Losses(ComputeOptions compute) => (await LocalRun.RunAsync(new LocalRunOptions(TestSetup.Tiny(2),
            settings with { Compute = compute }, TestSetup.Data(train: 32, validation: 16), TestSetup.Augmentation, Loaders: 2))).Losses.ToArray();
        var reduced = await Losses(new ComputeOptions { Precision = precision });
        var fp32 = await Losses(ComputeOptions.Default);
        output.WriteLine($"{precision}: {string.Join(" ", reduced.Select(l => l.ToString("F3")))}");
        output.WriteLine($"fp32: {string.Join(" ", fp32.Select(l => l.ToString("F3")))}");
        Assert.Equal(40, reduced.Length);
        double first = reduced.Take(8).Average(), last = reduced.TakeLast(8).Average(), fp32Last = fp32.TakeLast(8).Average();
        Assert.True(last < 0.75 * first, $"{precision}: the loss went from {first:F3} to {last:F3}");
        Assert.True(Math.Abs(last - fp32Last) <= 0.1 * fp32Last, $"{precision}: the last losses average {last:F3}, fp32's {fp32Last:F3}");
    }
}
