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
/// `alexnet bench`: trains the same configuration twice in one run - the one-process reference
/// network, then the actor pipeline (K tower actors, loaders, coordinator) - and prints images/s
/// for each and their ratio. Both see the same images, weights, dropout masks and SGD.
/// </summary>
public sealed class BenchCommand : ICommand
{
    public string Name => "bench";
    public IReadOnlyCollection<string> Flags => new[] { "tf32", "cluster" };
    public string Summary => "images/s: reference vs actor pipeline; --cluster: one process vs separate processes";
    public string Usage => """
        usage: alexnet bench [--towers K] [--batch B] [--width W] [--crop S] [--classes N] [--device D]
                             [--steps N] [--warmup N] [--loaders L] [--tf32]
          defaults: the paper's network (K=2, width 1, crop 224, 1000 classes), batch 128, cpu,
          3 timed steps after 1 warm-up step for each. Images come from an in-memory synthetic set, so
          loaders cost next to nothing and the ratio measures the towers and the coordinator.
        Prints 'actor/reference throughput ratio: R'.

        """ + ClusterBenchCommand.Usage;

    public int Run(CliArgs args)
    {
        if (args.Flag("cluster")) return ClusterBenchCommand.Run(args);
        var config = new AlexNetConfig
        {
            Towers = args.Int("towers") ?? 2, Width = args.Double("width") ?? 1.0, Crop = args.Int("crop") ?? 224,
            Classes = args.Int("classes") ?? 1000,
        }.Validate();
        int batch = args.Int("batch") ?? 128, steps = args.Int("steps") ?? 3, warmup = args.Int("warmup") ?? 1, loaders = args.Int("loaders") ?? 2;
        string device = args.String("device") ?? "cpu";
        bool tf32 = args.Flag("tf32");
        args.RejectUnknown(Name);
        if (steps < 1 || warmup < 0 || batch < 1) throw new UsageException("--steps ≥ 1, --warmup ≥ 0 and --batch ≥ 1 are required");

        var towerDevices = LocalRun.TowerDevices(device, config.Towers);
        var mainDevice = ComputeDevice.Resolve(towerDevices[0]);
        ComputeDevice.UseTf32(tf32);
        int side = config.Crop + Math.Max(8, config.Crop / 7);
        var synthetic = new SyntheticDataset(Math.Max(2 * batch, 256), config.Classes, side, seed: 1);
        var pool = InMemoryDataset.Snapshot(synthetic, synthetic.Count);
        var data = new LoaderData($"in-memory synthetic ({pool.Count} images {side}x{side})", pool, pool, DatasetStatistics.Neutral(side));
        var augmentation = new AugmentationSettings(config.Crop, Flip: true, LightingStd: 0.1);
        var settings = new TrainingSettings { BatchSize = batch, Epochs = 1000, MaxSteps = warmup + steps, Seed = 1, LogEvery = 1, Validate = false, LearningRate = 0.001 };

        Console.WriteLine($"bench: {config}, batch {batch}, device {device}{(tf32 ? " (TF32 on)" : "")}, {Environment.ProcessorCount} cores; {warmup} warm-up + {steps} timed steps each");
        Console.WriteLine($"data: {data.Name}");

        // One process: the reference network with every core.
        if (mainDevice.type == DeviceType.CPU) torch.set_num_threads(Environment.ProcessorCount);
        var assembler = new BatchAssembler(pool, data.Statistics, augmentation, settings.Seed);
        var plan = new EpochPlan(settings.Seed, pool.Count, batch);
        var batches = Enumerable.Range(0, warmup + steps).Select(s => assembler.Assemble(s / plan.BatchesPerEpoch, s % plan.BatchesPerEpoch,
            plan.Batch(s / plan.BatchesPerEpoch, s % plan.BatchesPerEpoch), BatchView.Train)).ToArray();
        double referenceRate;
        using (var reference = new ReferenceTrainer(config, settings, data.Statistics, mainDevice))
        {
            Stopwatch? clock = null;
            for (int s = 0; s < warmup + steps; s++)
            {
                if (s == warmup) { Synchronize(mainDevice); clock = Stopwatch.StartNew(); }
                reference.Step(batches[s], s, settings.LearningRate);
            }
            Synchronize(mainDevice);
            referenceRate = steps * batch / clock!.Elapsed.TotalSeconds;
            Console.WriteLine($"reference (one process, {(mainDevice.type == DeviceType.CPU ? $"{torch.get_num_threads()} threads" : mainDevice.ToString())}): " +
                              $"{referenceRate:F1} images/s ({clock.Elapsed.TotalSeconds / steps:F3} s/step)");
        }

        // The actor pipeline: K towers, L loaders, the coordinator.
        var completions = new List<TimeSpan>();
        var run = Stopwatch.StartNew();
        LocalRun.RunAsync(new LocalRunOptions(config, settings, data, augmentation, loaders, device), e =>
        {
            if (e is StepCompleted) lock (completions) completions.Add(run.Elapsed);
        }).GetAwaiter().GetResult();
        var timed = completions[^1] - completions[warmup - 1 < 0 ? 0 : warmup - 1];
        int timedSteps = warmup == 0 ? steps - 1 : steps;
        double actorRate = timedSteps * batch / timed.TotalSeconds;
        int threads = ComputeDevice.ThreadsPerWorker(config.Towers);
        Console.WriteLine($"actors ({config.Towers} towers{(mainDevice.type == DeviceType.CPU ? $" x {threads} thread(s)" : "")}, {loaders} loaders, coordinator): " +
                          $"{actorRate:F1} images/s ({timed.TotalSeconds / timedSteps:F3} s/step)");
        Console.WriteLine($"actor/reference throughput ratio: {actorRate / referenceRate:F3}");
        return 0;
    }

    private static void Synchronize(torch.Device device)
    {
        if (device.type == DeviceType.CUDA) torch.cuda.synchronize(device);
    }
}
