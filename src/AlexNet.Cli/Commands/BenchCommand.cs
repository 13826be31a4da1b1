using AlexNet.Actors.Hosting;
using AlexNet.Actors.Loading;
using AlexNet.Actors.Training;
using AlexNet.Data;
using AlexNet.Model;
using TorchSharp;

namespace AlexNet.Cli.Commands;

/// <summary>
/// `alexnet bench`: trains the same configuration twice in one run - the one-process reference
/// network, then the actor pipeline (K tower actors, loaders, coordinator) - and prints images/s
/// for each and their ratio. Both see the same images, weights, dropout masks and SGD. With
/// --variants it does so for each speed variant in turn (one process, one CUDA start-up) and prints
/// one line per variant with its speed relative to the fp32 reference.
/// </summary>
public sealed class BenchCommand : ICommand
{
    public string Name => "bench";
    public IReadOnlyCollection<string> Flags => new[] { "tf32", "cluster" };
    public string Summary => "images/s: reference vs actor pipeline, per speed variant; --cluster: one process vs separate processes";
    public string Usage => """
        usage: alexnet bench [--towers K] [--batch B] [--width W] [--crop S] [--classes N] [--device D]
                             [--steps N] [--warmup N] [--loaders L] [--tf32] [--memory-format contiguous|channels-last]
                             [--precision fp32|bf16|fp16] [--loss-scale S] [--pinned-memory on|off] [--variants V,V,...]
          defaults: the paper's network (K=2, width 1, crop 224, 1000 classes), batch 128, cpu,
          3 timed steps after 1 warm-up step for each. Images come from an in-memory synthetic set, so
          loaders cost next to nothing and the ratio measures the towers and the coordinator.
          --tf32, --memory-format, --precision, --pinned-memory: the variant to measure (see 'alexnet train --help').
          --variants: several variants in one run, each tokens joined by '+' from fp32, bf16, fp16,
            channels-last, contiguous, tf32, unpinned; e.g. fp32,tf32,bf16,tf32+channels-last+bf16.
            The fp32 variant runs first (added when missing); each line gives its ratio to the fp32 reference.
            Name fp32 again at the end to measure it a second time (drift over the run).
        Prints 'actor/reference throughput ratio: R' (one variant) or one 'variant NAME: ...' line per variant;
        a variant that fails says so on its line and the others are still measured (exit code 1).

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
        var variants = Variants(args);
        args.RejectUnknown(Name);
        if (steps < 1 || warmup < 0 || batch < 1) throw new UsageException("--steps ≥ 1, --warmup ≥ 0 and --batch ≥ 1 are required");

        var towerDevices = LocalRun.TowerDevices(device, config.Towers);
        var mainDevice = ComputeDevice.Resolve(towerDevices[0]);
        int side = config.Crop + Math.Max(8, config.Crop / 7);
        var synthetic = new SyntheticDataset(Math.Max(2 * batch, 256), config.Classes, side, seed: 1);
        var pool = InMemoryDataset.Snapshot(synthetic, synthetic.Count);
        var data = new LoaderData($"in-memory synthetic ({pool.Count} images {side}x{side})", pool, pool, DatasetStatistics.Neutral(side));
        var augmentation = new AugmentationSettings(config.Crop, Flip: true, LightingStd: 0.1);
        var settings = new TrainingSettings { BatchSize = batch, Epochs = 1000, MaxSteps = warmup + steps, Seed = 1, LogEvery = 1, Validate = false, LearningRate = 0.001 };

        string what = variants.Count == 1 ? $"variant {variants[0].Describe()}" : $"variants {string.Join(", ", variants.Select(v => v.Name))}";
        Console.WriteLine($"bench: {config}, batch {batch}, device {device}, {what}, {Environment.ProcessorCount} cores; {warmup} warm-up + {steps} timed steps each");
        Console.WriteLine($"data: {data.Name}");
        if (mainDevice.type == DeviceType.CPU && variants.Any(v => v.Tf32 || !v.Compute.PinnedMemory))
            Console.WriteLine("note: tf32 and unpinned are GPU settings: on the CPU those variants compute and copy as they would without them");

        if (mainDevice.type == DeviceType.CPU) torch.set_num_threads(Environment.ProcessorCount);
        var assembler = new BatchAssembler(pool, data.Statistics, augmentation, settings.Seed);
        var plan = new EpochPlan(settings.Seed, pool.Count, batch);
        var batches = Enumerable.Range(0, warmup + steps).Select(s => assembler.Assemble(s / plan.BatchesPerEpoch, s % plan.BatchesPerEpoch,
            plan.Batch(s / plan.BatchesPerEpoch, s % plan.BatchesPerEpoch), BatchView.Train)).ToArray();
        var run = new BenchMeasurement(config, data, augmentation, batches, warmup, steps, loaders, device, mainDevice);

        if (variants.Count == 1)
        {
            var rates = run.Both(settings with { Compute = variants[0].Compute }, variants[0].Tf32, printDetails: true);
            Console.WriteLine($"actor/reference throughput ratio: {rates.Actors / rates.Reference:F3}{rates.SkippedNote}");
            return 0;
        }
        double? baseline = null; // the first variant's (fp32's) reference: every line's yardstick
        int failed = 0;
        for (int i = 0; i < variants.Count; i++)
        {
            var variant = variants[i];
            BenchRates rates;
            // One variant that fails (a kernel this GPU or libtorch lacks, memory, a tower error) must
            // not cost the others' figures: a GPU session may have one short run to measure them all.
            try { rates = run.Both(settings with { Compute = variant.Compute }, variant.Tf32, printDetails: false); }
            catch (Exception e) when (e is not UsageException)
            {
                failed++;
                Console.WriteLine($"variant {variant.Name}: failed: {e.GetType().Name}: {e.Message.Split('\n')[0].Trim()}");
                Console.Error.WriteLine(e);
                continue;
            }
            if (i == 0) baseline = rates.Reference;
            string Relative(double rate) => baseline is { } b ? $"{rate / b:F3}x" : "no fp32 figure";
            Console.WriteLine($"variant {variant.Name}: reference {rates.Reference:F1} images/s ({Relative(rates.Reference)} the fp32 reference), " +
                              $"actors {rates.Actors:F1} images/s ({Relative(rates.Actors)}), actor/reference {rates.Actors / rates.Reference:F3}{rates.SkippedNote}");
        }
        if (failed == 0) return 0;
        Console.Error.WriteLine($"alexnet bench: {failed} of {variants.Count} variants failed (their lines above)");
        return 1;
    }

    /// <summary>The variants to measure: --variants (fp32 first), or the one the single-variant flags describe.</summary>
    private static IReadOnlyList<BenchVariant> Variants(CliArgs args)
    {
        double lossScale = args.Double("loss-scale") ?? ComputeOptions.Default.LossScale;
        try { new ComputeOptions { LossScale = lossScale }.Validate(); }
        catch (InvalidModelConfigException e) { throw new UsageException(e.Message); }
        bool tf32 = args.Flag("tf32");
        string? format = args.String("memory-format"), precision = args.String("precision"), pinned = args.String("pinned-memory");
        if (args.String("variants") is { } list)
        {
            if (tf32 || format is not null || precision is not null || pinned is not null)
                throw new UsageException("bench: --variants names every variant; it does not combine with --tf32, --memory-format, --precision or --pinned-memory");
            var parsed = list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(v => BenchVariant.Parse(v, lossScale)).ToList();
            if (parsed.Count == 0) throw new UsageException($"bench: --variants needs at least one variant ({BenchVariant.Tokens})");
            // fp32 first, as the baseline of every line; an fp32 later in the list is measured again
            // (the drift over the run, e.g. from a warming allocator, shows against the first).
            var baseline = BenchVariant.Baseline(lossScale);
            if (parsed[0] with { Name = baseline.Name } == baseline) parsed.RemoveAt(0);
            parsed.Insert(0, baseline);
            return parsed;
        }
        var compute = new ComputeOptions
        {
            MemoryFormat = format is null ? MemoryFormat.Contiguous
                : MemoryFormats.Parse(format) ?? throw new UsageException($"--memory-format {format}: expected contiguous or channels-last"),
            Precision = precision is null ? Precision.Fp32
                : Precisions.Parse(precision) ?? throw new UsageException($"--precision {precision}: expected fp32, bf16 or fp16"),
            PinnedMemory = pinned switch
            {
                null or "on" => true,
                "off" => false,
                _ => throw new UsageException($"--pinned-memory {pinned}: expected on or off"),
            },
            LossScale = lossScale,
        };
        return new[] { BenchVariant.Of(tf32, compute) };
    }
}
