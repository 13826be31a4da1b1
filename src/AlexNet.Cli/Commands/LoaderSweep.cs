using System.Globalization;
using AlexNet.Data;
using AlexNet.Model;

namespace AlexNet.Cli.Commands;

/// <summary>
/// `alexnet bench --cluster --loader-sweep 1,2,3 --data DIR`: the images/s that 1, 2, 3, ... loader
/// processes deliver from prepared shards on loopback. Each count is a training run of a coordinator
/// node, one tower node and L loader nodes, with a model that costs next to nothing per image, so that
/// the loaders (read, decode, random crop, flip, PCA lighting draw) bound the rate the coordinator sees
/// as far as the cores allow: the coordinator, the tower and the transfers need their share too.
/// </summary>
internal static class LoaderSweep
{
    public const string Usage = """
        usage: alexnet bench --cluster --loader-sweep L1,L2,... --data DIR [--batch B] [--steps N] [--warmup N]
                                       [--loader-actors A] [--width W] [--crop S] [--images N] [--records R] [--format jpeg|raw]
          For each count L, a run as separate processes on loopback: a coordinator node, one tower node
          (1 thread) and L loader nodes with A loader actors each (default 1: one core's work). The model
          costs next to nothing per image (1 tower, width 0.01, crop 63: the smallest the network allows),
          so that the loaders bound the rate wherever the cores allow. Prints the machine's core count and,
          per L, the images/s the coordinator was delivered (from its step times over the timed steps) and
          that rate per loader process. defaults: batch 512, 20 timed steps after 3 warm-up steps; 2 batches
          in flight per loader actor (at least 4), and as many untimed steps after the timed ones.
          DIR is either a folder prepared by 'alexnet prepare' (its train split as it is; as validation runs
          at each epoch end, every step of a run must lie in its first epoch), or a folder of JPEG/PNG
          pictures, searched recursively: the first N (--images, default 64) are re-encoded as JPEG q90 with
          longer side 500 (ImageNet-sized), converted as 'alexnet prepare' does and stored as 256x256 JPEG q90
          records, R in all (--records, default 2 batches, at least 512; cycling through the pictures) in a
          temporary prepared folder whose val split is empty. --format raw stores RGB records instead, which
          cost next to nothing to read: the ceiling the rest of the run (coordinator, tower, transfers) allows.
          e.g. --data /usr/share/backgrounds/mate (Debian's mate-backgrounds)
        """;

    public static int Run(CliArgs args)
    {
        var counts = ParseCounts(args.String("loader-sweep")!);
        string data = args.String("data") ?? throw new UsageException(
            "--loader-sweep needs --data DIR: a folder prepared by 'alexnet prepare' or a folder of JPEG/PNG pictures");
        int batch = args.Int("batch") ?? 512, steps = args.Int("steps") ?? 20, warmup = args.Int("warmup") ?? 3;
        int actors = args.Int("loader-actors") ?? 1, pictures = args.Int("images") ?? 64, records = args.Int("records") ?? Math.Max(512, 2 * batch);
        int crop = args.Int("crop") ?? AlexNetConfig.MinimumCrop;
        var recordFormat = (args.String("format") ?? "jpeg") switch
        {
            "jpeg" => RecordFormat.Jpeg,
            "raw" => RecordFormat.Raw,
            var f => throw new UsageException($"option --format: '{f}' is not jpeg or raw"),
        };
        double width = args.Double("width") ?? 0.01;
        args.Flag("cluster");
        args.RejectUnknown("bench");
        if (args.Positional.Count > 0) throw new UsageException($"unexpected argument '{args.Positional[0]}'");
        if (batch < 1 || steps < 1 || warmup < 1 || actors < 1 || pictures < 1 || records < batch)
            throw new UsageException("--loader-sweep needs --batch ≥ 1, --steps ≥ 1, --warmup ≥ 1, --loader-actors ≥ 1, --images ≥ 1 and --records ≥ --batch");
        if (!Directory.Exists(data)) throw new UsageException($"--data {data}: no such folder");

        var dir = Directory.CreateTempSubdirectory("alexnet-sweep-").FullName;
        try
        {
            string root = Path.GetFullPath(data), made = "";
            if (!File.Exists(PreparedLayout.Index(PreparedLayout.Split(root, "train"))))
            {
                root = Path.Combine(dir, "prepared");
                made = $"made from {data}: {BenchShardFolder.Write(data, pictures, records, recordFormat, root)}";
            }
            // The line every loader node prints when it opens the folder (the same code, the same path).
            var opened = new StringWriter();
            var loaderData = DataSources.Prepared(root, opened);
            string dataLine = opened.ToString().TrimEnd();
            int trainCount = loaderData.Train.Count, validationCount = loaderData.Validation.Count;
            int classes = loaderData.Train.ClassNames.Count, side = loaderData.Train.ImageSide;
            (loaderData.Train as IDisposable)?.Dispose();
            (loaderData.Validation as IDisposable)?.Dispose();

            var model = new AlexNetConfig { Towers = 1, Width = width, Crop = crop, Classes = classes }.Validate();
            if (crop > side) throw new UsageException($"--crop {crop} is larger than the stored images of {root} ({side}x{side})");
            int perEpoch = trainCount / batch;
            if (perEpoch == 0) throw new UsageException($"--data {data}: {trainCount} training images are fewer than one batch ({batch})");
            int longest = warmup + steps + InFlight(counts.Max(), actors);
            if (validationCount > 0 && longest > perEpoch)
                throw new UsageException($"--data {data}: {trainCount} training images make {perEpoch} steps of {batch} per epoch, but a run takes up to " +
                                         $"{longest} steps and validation runs at each epoch end: lower --steps, --warmup or --batch");

            int cores = Environment.ProcessorCount;
            Console.WriteLine($"bench --cluster --loader-sweep {string.Join(",", counts)}: {model} (1 tower node, 1 thread), batch {batch}, " +
                              $"{warmup} warm-up + {steps} timed steps, {actors} loader actor(s) per loader process, {cores} cores, {DateTime.UtcNow:yyyy-MM-dd}");
            if (made != "") Console.WriteLine(made);
            Console.WriteLine(dataLine);
            int loaderProcesses = 0;
            foreach (var loaders in counts)
            {
                double rate = Measure(Path.Combine(dir, $"run-{loaders}"), root, dataLine, model, batch, warmup, steps, loaders, actors, perEpoch);
                loaderProcesses += loaders;
                Console.WriteLine($"{loaders} loader process{(loaders == 1 ? "  " : "es")}: {rate,9:F1} images/s delivered, {rate / loaders,9:F1} images/s per loader process " +
                                  $"({loaders + 2} processes on {cores} cores)");
            }
            Console.WriteLine($"each of the {loaderProcesses} loader processes opened the prepared folder above (its 'data:' line)");
        }
        finally { Directory.Delete(dir, recursive: true); }
        return 0;
    }

    /// <summary>Batches in flight for L loader processes of A actors: 2 per actor, at least the usual 4.</summary>
    private static int InFlight(int loaders, int actors) => Math.Max(4, 2 * loaders * actors);

    /// <summary>One run; images/s between the last warm-up step's completion and the last timed step's.</summary>
    private static double Measure(string dir, string root, string dataLine, AlexNetConfig model, int batch, int warmup, int steps,
        int loaders, int actors, int perEpoch)
    {
        Directory.CreateDirectory(dir);
        int inFlight = InFlight(loaders, actors), total = warmup + steps + inFlight;
        var common = new[]
        {
            "--data", root, "--towers", "1", "--width", model.Width.ToString(CultureInfo.InvariantCulture), "--crop", model.Crop.ToString(),
            "--batch", batch.ToString(), "--steps", total.ToString(), "--epochs", ((total + perEpoch - 1) / perEpoch).ToString(),
            "--seed", "1", "--lr", "0.001", "--log-every", "1", "--loaders", actors.ToString(), "--threads", "1", "--prefetch", inFlight.ToString(),
        };
        var members = new[] { new[] { "--roles", "tower", "--devices", "cpu" } }
            .Concat(Enumerable.Repeat(new[] { "--roles", "loader" }, loaders)).ToList();
        var outcome = LoopbackCluster.Run(dir, common, members, TimeSpan.FromMinutes(20));
        for (int l = 1; l <= loaders; l++)
            if (!outcome.MemberOutput[l].Contains(dataLine))
                throw new InvalidOperationException($"loader process {l} of {loaders} did not report opening {root}; its output:\n" +
                                                    string.Join("\n", outcome.MemberOutput[l].TakeLast(20)));
        var points = outcome.Report.StepTimes.ToDictionary(p => p.Step);
        if (!points.TryGetValue(warmup - 1, out var first) || !points.TryGetValue(warmup + steps - 1, out var last))
            throw new InvalidOperationException($"the coordinator's report lacks step {warmup} or {warmup + steps}");
        return steps * batch / (last.Seconds - first.Seconds);
    }

    private static int[] ParseCounts(string list)
    {
        var counts = list.Split(',', StringSplitOptions.TrimEntries).Select(s =>
            int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n >= 1 ? n
                : throw new UsageException($"option --loader-sweep: '{s}' is not a positive number of loader processes")).ToArray();
        return counts;
    }
}
