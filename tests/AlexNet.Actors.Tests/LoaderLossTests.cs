using Akka.Actor;
using Akka.TestKit.Xunit2;
using AlexNet.Actors.Coordination;
using AlexNet.Actors.Loading;
using AlexNet.Actors.Protocol;
using AlexNet.Actors.Towers;
using AlexNet.Actors.Training;
using Xunit;

namespace AlexNet.Actors.Tests;

/// <summary>A loader that stops mid-run costs nothing: the others build its batches, so training sees exactly the same data.</summary>
public class LoaderLossTests() : TestKit(TestSetup.Akka)
{
    private IReadOnlyList<float> Train(Action<IActorRef[]>? meddle)
    {
        var data = TestSetup.Data(train: 256);
        var settings = new TrainingSettings { BatchSize = 16, Epochs = 1, MaxSteps = 12, Seed = 4, LogEvery = 1, Validate = false, MaxBatchesInFlight = 4 };
        var towers = Enumerable.Range(0, 2).Select(_ => Sys.ActorOf(TowerActor.Props("cpu", 1))).ToList();
        var loaders = Enumerable.Range(0, 3).Select(_ => Sys.ActorOf(DataLoaderActor.Props(data, TestSetup.Augmentation, settings.Seed))).ToArray();
        var listener = CreateTestProbe();
        var coordinator = Sys.ActorOf(CoordinatorActor.Props(TestSetup.Tiny(2), settings, towers, loaders, listener.Ref));
        listener.FishForMessage<StepCompleted>(s => s.Step == 2, TimeSpan.FromMinutes(1));
        meddle?.Invoke(loaders);
        var outcome = listener.FishForMessage<object>(m => m is TrainingFinished or TrainingFailed, TimeSpan.FromMinutes(2));
        var finished = outcome as TrainingFinished ?? throw new Xunit.Sdk.XunitException(((TrainingFailed)outcome).Reason);
        Assert.Equal(12, finished.Steps);
        foreach (var a in towers.Concat(loaders).Append(coordinator)) Sys.Stop(a);
        return finished.Losses;
    }

    [Fact]
    public void Killing_a_loader_mid_epoch_loses_and_repeats_no_sample()
    {
        var undisturbed = Train(null);
        var disturbed = Train(loaders => loaders[1].Tell(PoisonPill.Instance));
        Assert.Equal(undisturbed, disturbed);
    }
}
