using System.Diagnostics;
using AlexNet.Actors.Hosting;
using AlexNet.Actors.Loading;
using AlexNet.Actors.Protocol;
using AlexNet.Actors.Training;
using AlexNet.Data;
using AlexNet.Model;
using TorchSharp;

namespace AlexNet.Cli.Commands;

/// <summary>
/// What `alexnet bench` times for one variant: warm-up + timed steps of the one-process reference
/// on the prepared batches, then of the actor pipeline on the same data, in images/s.
/// </summary>
internal sealed class BenchMeasurement(
    AlexNetConfig config, LoaderData data, AugmentationSettings augmentation, ImageBatch[] batches,
    int warmup, int steps, int loaders, string device, torch.Device mainDevice)
{
    private int Batch => batches[0].Count;

    /// <summary>Both rates under <paramref name="settings"/> (its Compute is the variant) with TF32 as given.</summary>
    public BenchRates Both(TrainingSettings settings, bool tf32, bool printDetails)
    {
        ComputeDevice.UseTf32(tf32); // process-wide; set before each variant
        var (reference, referenceSkipped) = Reference(settings, printDetails);
        var (actors, actorsSkipped) = Actors(settings, printDetails);
        return new BenchRates(reference, actors, referenceSkipped, actorsSkipped, warmup + steps);
    }

    /// <summary>The reference network with every core (CPU) or on the first tower's device.</summary>
    private (double Rate, long? Skipped) Reference(TrainingSettings settings, bool print)
    {
        using var reference = new ReferenceTrainer(config, settings, data.Statistics, mainDevice);
        Stopwatch? clock = null;
        for (int s = 0; s < warmup + steps; s++)
        {
            if (s == warmup) { Synchronize(); clock = Stopwatch.StartNew(); }
            reference.Step(batches[s], s, settings.LearningRate);
        }
        Synchronize();
        double rate = steps * Batch / clock!.Elapsed.TotalSeconds;
        if (print)
            Console.WriteLine($"reference (one process, {(mainDevice.type == DeviceType.CPU ? $"{torch.get_num_threads()} threads" : mainDevice.ToString())}): " +
                              $"{rate:F1} images/s ({clock.Elapsed.TotalSeconds / steps:F3} s/step)");
        return (rate, reference.LossScaler.ChecksGradients ? reference.LossScaler.SkippedSteps : null);
    }

    /// <summary>
    /// The actor pipeline: K towers, L loaders, the coordinator; timed from the end of the last warm-up
    /// step. No synchronisation is needed for a GPU here: every step reads its loss back to the host
    /// (a wait for the device), so a step's completion lags the GPU by at most its own backward pass
    /// and update, at both ends of the window alike.
    /// </summary>
    private (double Rate, long? Skipped) Actors(TrainingSettings settings, bool print)
    {
        var completions = new List<TimeSpan>();
        long? skipped = null;
        var run = Stopwatch.StartNew();
        LocalRun.RunAsync(new LocalRunOptions(config, settings, data, augmentation, loaders, device), e =>
        {
            if (e is StepCompleted s) lock (completions) { completions.Add(run.Elapsed); skipped = s.Fp16?.SkippedSteps; }
        }).GetAwaiter().GetResult();
        var timed = completions[^1] - completions[warmup - 1 < 0 ? 0 : warmup - 1];
        int timedSteps = warmup == 0 ? steps - 1 : steps;
        double rate = timedSteps * Batch / timed.TotalSeconds;
        int threads = ComputeDevice.ThreadsPerWorker(config.Towers);
        if (print)
            Console.WriteLine($"actors ({config.Towers} towers{(mainDevice.type == DeviceType.CPU ? $" x {threads} thread(s)" : "")}, {loaders} loaders, coordinator): " +
                              $"{rate:F1} images/s ({timed.TotalSeconds / timedSteps:F3} s/step)");
        return (rate, skipped);
    }

    private void Synchronize()
    {
        if (mainDevice.type == DeviceType.CUDA) torch.cuda.synchronize(mainDevice);
    }
}

/// <summary>
/// One variant's figures; in fp16, how many of the <paramref name="Steps"/> steps (warm-up included)
/// each side skipped because their gradients overflowed.
/// </summary>
internal sealed record BenchRates(double Reference, double Actors, long? ReferenceSkipped, long? ActorsSkipped, int Steps)
{
    /// <summary>"" or, in fp16, e.g. "; fp16 steps skipped on overflow: reference 2, actors 2 of 8".</summary>
    public string SkippedNote => ReferenceSkipped is null && ActorsSkipped is null ? ""
        : $"; fp16 steps skipped on overflow: reference {ReferenceSkipped}, actors {ActorsSkipped} of {Steps}";
}
