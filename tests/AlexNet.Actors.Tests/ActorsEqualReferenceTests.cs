using Akka.Actor;
using Akka.TestKit.Xunit2;
using AlexNet.Actors.Coordination;
using AlexNet.Actors.Loading;
using AlexNet.Actors.Protocol;
using AlexNet.Actors.Towers;
using AlexNet.Actors.Training;
using AlexNet.Data;
using AlexNet.Model;
using Xunit;
using static TorchSharp.torch;

namespace AlexNet.Actors.Tests;

/// <summary>
/// The central property: N SGD steps through tower actors exchanging tensors via the coordinator
/// give the losses and final weights of N steps of the one-process reference network.
/// Dropout is on, with the same masks (a function of seed, step, layer and tower). With shared
/// inputs the loaders also write into buffers the coordinator hands back, as in a local run, so a
/// buffer reused too early would show here as a different loss.
/// </summary>
public class ActorsEqualReferenceTests() : TestKit(TestSetup.Akka)
{
    [Theory]
    [InlineData(2, MomentumForm.Paper, false)]
    [InlineData(2, MomentumForm.Paper, true)]
    [InlineData(4, MomentumForm.PyTorch, false)]
    public void N_steps_through_the_actors_equal_N_steps_of_the_reference(int k, MomentumForm form, bool shareInputs)
    {
        const int steps = 6, batch = 16;
        var config = TestSetup.Tiny(k);
        var data = TestSetup.Data(train: 128);
        var settings = new TrainingSettings
        {
            BatchSize = batch, Epochs = 1, MaxSteps = steps, LearningRate = 0.02, Seed = 3, LogEvery = 1,
            MomentumForm = form, Validate = false, MaxBatchesInFlight = 2,
        };

        var towers = Enumerable.Range(0, k).Select(_ => Sys.ActorOf(TowerActor.Props("cpu", 1))).ToList();
        var buffers = shareInputs ? new PixelBufferPool(capacity: 4) : null;
        var loaders = Enumerable.Range(0, 2).Select(_ => Sys.ActorOf(DataLoaderActor.Props(data, TestSetup.Augmentation, settings.Seed, buffers))).ToList();
        var listener = CreateTestProbe();
        Sys.ActorOf(CoordinatorActor.Props(config, settings, towers, loaders, listener.Ref, shareInputs: shareInputs, pixelBuffers: buffers));
        var outcome = listener.FishForMessage<object>(m => m is TrainingFinished or TrainingFailed, TimeSpan.FromMinutes(3));
        var finished = outcome as TrainingFinished ?? throw new Xunit.Sdk.XunitException(((TrainingFailed)outcome).Reason);
        Assert.Equal(steps, finished.Steps);
        if (buffers is not null) // at most the 2 batches in flight and the one being normalised are ever held
            Assert.True(buffers.Allocated <= 3 && buffers.Reused >= steps - 3, $"{buffers.Allocated} buffers made, {buffers.Reused} reused");

        using var reference = new ReferenceTrainer(config with { Classes = 10 }, settings, data.Statistics, CPU);
        for (int s = 0; s < steps; s++)
        {
            var (loss, _) = reference.Step(TestSetup.TrainBatch(data, settings.Seed, batch, 0, s), s, settings.LearningRate);
            Assert.True(Math.Abs(loss - finished.Losses[s]) <= 1e-4 * Math.Abs(loss), $"step {s}: actors {finished.Losses[s]}, reference {loss}");
        }

        var towerWeights = towers.Select(t => (IReadOnlyDictionary<string, Tensor>)t.Ask<TowerWeights>(new GetTowerWeights(), TimeSpan.FromSeconds(30)).Result.Parameters).ToList();
        using var gathered = new ReferenceAlexNet(config with { Classes = 10 });
        WeightMapping.Gather(towerWeights, gathered);
        var expected = reference.Network.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, actual) in gathered.named_parameters())
        {
            double scale = expected[name].abs().max().item<float>();
            double err = (actual - expected[name]).abs().max().item<float>();
            Assert.True(err <= 1e-4 * scale, $"{name}: max difference {err} (scale {scale})");
        }
        // The weights did move: the comparison is not between two initial states.
        using var initial = new ReferenceAlexNet(config with { Classes = 10 });
        PaperInit.Initialize(initial, settings.Seed);
        Assert.False(initial.named_parameters().First(p => p.name == "conv1.weight").parameter
            .allclose(expected["conv1.weight"], rtol: 1e-6, atol: 1e-7));
    }
}
