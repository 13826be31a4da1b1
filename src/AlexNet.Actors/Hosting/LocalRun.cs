using Akka.Actor;
using Akka.Configuration;
using AlexNet.Actors.Coordination;
using AlexNet.Actors.Loading;
using AlexNet.Actors.Protocol;
using AlexNet.Actors.Towers;
using AlexNet.Actors.Training;
using AlexNet.Data;
using AlexNet.Model;

namespace AlexNet.Actors.Hosting;

/// <summary>Everything an in-process run needs.</summary>
public sealed record LocalRunOptions(
    AlexNetConfig Model,
    TrainingSettings Training,
    LoaderData Data,
    AugmentationSettings Augmentation,
    int Loaders = 2,
    string Device = "cpu",
    int IntraOpThreads = 0,
    Config? Akka = null);

/// <summary>
/// Runs the whole trainer in one process: K tower actors, L loader actors and the coordinator
/// under one <see cref="RunGuardian"/>, in a fresh actor system that is shut down at the end.
/// </summary>
public static class LocalRun
{
    /// <param name="stop">Stops the run where it can resume from (SIGINT/SIGTERM); the task then fails with <see cref="TrainingStoppedException"/>.</param>
    /// <param name="cancel">Abandons the run at once (the task is cancelled; nothing more is written).</param>
    public static async Task<TrainingFinished> RunAsync(LocalRunOptions o, Action<object>? onEvent = null, CancellationToken cancel = default, StopSignal? stop = null)
    {
        var config = o.Akka ?? HoconFiles.Reference;
        using var system = ActorSystem.Create("alexnet", config);
        try
        {
            var outcome = new TaskCompletionSource<TrainingFinished>(TaskCreationOptions.RunContinuationsAsynchronously);
            Action<object> callback = onEvent ?? (_ => { });
            var listener = system.ActorOf(Props.Create(() => new RunListener(callback, outcome)), "listener");
            var guardian = system.ActorOf(Props.Create(() => new RunGuardian()), "run");
            var devices = TowerDevices(o.Device, o.Model.Towers);
            int threads = o.IntraOpThreads > 0 ? o.IntraOpThreads : ComputeDevice.ThreadsPerWorker(o.Model.Towers);

            var towers = new List<IActorRef>();
            for (int t = 0; t < o.Model.Towers; t++)
                towers.Add(await Create(guardian, TowerActor.Props(devices[t], threads), $"tower-{t}"));
            // Batches in the prefetch window, one being built by each loader, one being normalised.
            int loaderCount = Math.Max(1, o.Loaders);
            var pixelBuffers = new PixelBufferPool(o.Training.MaxBatchesInFlight + loaderCount + 1);
            var loaders = new List<IActorRef>();
            for (int l = 0; l < loaderCount; l++)
                loaders.Add(await Create(guardian, DataLoaderActor.Props(o.Data, o.Augmentation, o.Training.Seed, pixelBuffers), $"loader-{l}"));
            var coordinator = await Create(guardian, CoordinatorActor.Props(
                o.Model, o.Training, towers, loaders, listener, devices[0], shareInputs: true, pixelBuffers), "coordinator");
            guardian.Tell(new RunGuardian.ReportFailuresTo(coordinator));
            listener.Tell(new RunListener.Watch(coordinator));
            stop?.Attach(m => coordinator.Tell(m));

            using var registration = cancel.Register(() => outcome.TrySetCanceled(cancel));
            return await outcome.Task;
        }
        finally
        {
            await system.Terminate();
        }
    }

    private static Task<IActorRef> Create(IActorRef guardian, Props props, string name) =>
        guardian.Ask<IActorRef>(new RunGuardian.Create(props, name), TimeSpan.FromSeconds(30));

    /// <summary>"cpu" → every tower on the CPU; "cuda" → towers spread over all GPUs; "cuda:N" → all on GPU N.</summary>
    public static string[] TowerDevices(string spec, int towers)
    {
        if (spec == "cuda")
        {
            int count = Math.Max(1, ComputeDevice.Resolve("cuda") is { } ? TorchSharp.torch.cuda.device_count() : 1);
            return Enumerable.Range(0, towers).Select(t => $"cuda:{t % count}").ToArray();
        }
        ComputeDevice.Resolve(spec);
        return Enumerable.Repeat(spec, towers).ToArray();
    }
}
