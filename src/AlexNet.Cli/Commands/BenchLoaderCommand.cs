using AlexNet.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace AlexNet.Cli.Commands;

/// <summary>
/// `alexnet bench-loader`: images/s per core of the two loader stages, with one worker and with
/// every core, so a lock or allocation that serialises loaders shows as a falling ratio.
/// </summary>
public sealed class BenchLoaderCommand : ICommand
{
    public string Name => "bench-loader";
    public string Summary => "measure images/s per core: JPEG -> prepared record, and record -> augmented crop batch";
    public string Usage => """
        usage: alexnet bench-loader --data DIR [--prepared OUT] [--images 64] [--shrink-to 500] [--size 256]
                                    [--crop 224] [--batch 128] [--workers N] [--seconds 3] [--rounds 3]
          --data DIR       JPEG/PNG files, searched recursively (e.g. an ImageNet-layout folder)
          --prepared OUT   read stage (b) from OUT/train of a prepared folder instead of the records made here
          --images N       how many files to use (default 64)
          --shrink-to L    first re-encode each image as a JPEG (quality 90) with longer side L, e.g. 500
                           for ImageNet-sized photos from larger ones (default: use the files as they are)
          --size S         stored side (default 256); --crop C: crop side (default 224)
          --batch B        images per assembled batch (default 128)
          --workers N      the "all cores" worker count (default: every core)
          --seconds T      length of each timed round (default 3); --rounds R: rounds, median kept (default 3)
          --jpeg-decoder D the JPEG decoder of stages (a), (b) and (c): auto, libjpeg-turbo, imagesharp
        (a) decode, shorter side to S, centre crop: the prepare path. (d) a JPEG record's decode alone,
        ImageSharp against libjpeg-turbo (when installed). (b) BatchAssembler with the
        training view: random crop, flip, PCA lighting draw, CHW uint8. (c) the same through 1 and N
        data-loader actors, with and without a pool of batch buffers that the consumer hands back.
        """;

    public int Run(CliArgs args)
    {
        string data = args.String("data") ?? throw new UsageException("expected --data DIR (a folder of JPEG or PNG files)");
        string? prepared = args.String("prepared");
        int count = args.Int("images") ?? 64, size = args.Int("size") ?? 256, crop = args.Int("crop") ?? 224, batch = args.Int("batch") ?? 128;
        int? shrink = args.Int("shrink-to");
        int workers = args.Int("workers") ?? Environment.ProcessorCount, rounds = args.Int("rounds") ?? 3;
        var round = TimeSpan.FromSeconds(args.Double("seconds") ?? 3);
        JpegDecoderFlag.Apply(args);
        args.RejectUnknown(Name);
        if (args.Positional.Count > 0) throw new UsageException($"unexpected argument '{args.Positional[0]}'");
        if (!Directory.Exists(data)) throw new UsageException($"--data {data}: no such folder");
        if (count < 1 || size < 8 || crop < 1 || crop > size || batch < 1 || workers < 1 || rounds < 1 || shrink is < 16)
            throw new UsageException("expected --images ≥ 1, --size ≥ 8, 1 ≤ --crop ≤ --size, --batch ≥ 1, --workers ≥ 1, --rounds ≥ 1, --shrink-to ≥ 16");

        var files = Directory.EnumerateFiles(data, "*", SearchOption.AllDirectories).Where(ImageFolderLayout.IsImageFile).Order(StringComparer.Ordinal).Take(count).ToList();
        if (files.Count == 0) throw new UsageException($"--data {data}: no .jpg, .jpeg or .png file");
        var sources = files.Select(f => shrink is int l ? Shrink(File.ReadAllBytes(f), l) : File.ReadAllBytes(f)).ToList();
        var dims = sources.Select(b => Image.Identify(b)).Where(i => i is not null).ToList();
        Console.WriteLine($"data: {sources.Count} files from {data}{(shrink is int s ? $", re-encoded as JPEG q90 with longer side {s}" : "")}; " +
                          $"mean {dims.Average(i => i!.Width):F0}×{dims.Average(i => i!.Height):F0}, {sources.Average(b => b.Length) / 1024:F0} KB");
        Console.WriteLine($"cores: {Environment.ProcessorCount}; all-core runs use {workers} workers; median of {rounds} rounds of {round.TotalSeconds:F0} s");

        var converter = new SourceImageConverter(size);
        var squares = Enumerable.Range(0, workers).Select(_ => new byte[size * size * 3]).ToArray();
        Func<int, long, int> convert = (w, i) => converter.Convert(sources[(int)((i * 7 + w) % sources.Count)], squares[w]).Stored ? 1 : 0;
        Report($"(a) JPEG -> prepared {size}×{size} record (decode, shorter side {size}, centre crop)", workers, rounds, round, convert);
        CompareJpegDecoders(sources, converter, size, workers, rounds, round);

        string? temporary = null;
        try
        {
            string split;
            if (prepared is not null) split = PreparedLayout.Split(prepared, "train");
            else
            {
                temporary = Path.Combine(Path.GetTempPath(), $"alexnet-bench-{Environment.ProcessId}");
                split = Path.Combine(temporary, "train");
                SingleShardSplit.Write(split, size, new[] { "bench" }, sources.Select(b =>
                {
                    var square = new byte[size * size * 3];
                    return converter.Convert(b, square).Stored ? (square, 0) : (null!, 0);
                }).Where(r => r.Item1 is not null));
            }
            using var dataset = new PreparedDataset(split);
            if (dataset.ImageSide < crop) throw new UsageException($"--crop {crop} is larger than the prepared images ({dataset.ImageSide})");
            var statistics = prepared is not null ? StatisticsFile.Load(PreparedLayout.Statistics(prepared)) : SampleStatistics(dataset);
            var assembler = new BatchAssembler(dataset, statistics, new AugmentationSettings(Crop: crop), seed: 1);
            Func<int, long, int> assemble = (w, i) =>
            {
                var rng = new SeededRandom(w, i, 0xBE);
                var samples = new int[batch];
                for (int k = 0; k < batch; k++) samples[k] = rng.NextInt(dataset.Count);
                return assembler.Assemble(0, (int)i, samples, BatchView.Train).Count;
            };
            string what = $"augmented {crop}×{crop} crop batch (train view: crop, flip, lighting; CHW uint8; batch {batch}; {dataset.Count} records in {dataset.Format} shards)";
            Report($"(b) prepared record -> {what}, a new batch array each time (Assemble)", workers, rounds, round, assemble);
            var buffers = Enumerable.Range(0, workers).Select(_ => new byte[batch * 3 * crop * crop]).ToArray();
            Func<int, long, int> assembleInto = (w, i) =>
            {
                var rng = new SeededRandom(w, i, 0xBE);
                var samples = new int[batch];
                for (int k = 0; k < batch; k++) samples[k] = rng.NextInt(dataset.Count);
                return assembler.Assemble(0, (int)i, samples, BatchView.Train, buffers[w]).Count;
            };
            Report($"(b') the same into recycled batch buffers (Assemble with a buffer: no page faults on fresh memory)", workers, rounds, round, assembleInto);
            foreach (bool pooled in new[] { false, true })
            {
                Console.WriteLine($"(c) data-loader actors, batches asked for by number and used as a local run does: {(pooled ? "buffers handed back to a pool" : "a new array per batch (no pool)")}");
                foreach (int loaders in workers == 1 ? new[] { 1 } : new[] { 1, workers })
                {
                    var pool = pooled ? new PixelBufferPool(2 * loaders) : null;
                    var r = LoaderActorThroughput.Measure(dataset, statistics, crop, batch, loaders, pool, round, rounds);
                    Console.WriteLine($"  {loaders} loader actor(s): {r.PerSecond,8:F0} images/s delivered, {r.PerSecond / loaders:F0} per loader ({r.PerCpuSecond:F0} per CPU-second)" +
                                      (pool is null ? "" : $"; {pool.Allocated} buffers made, {pool.Reused} reused"));
                }
            }
        }
        finally
        {
            if (temporary is not null) Directory.Delete(temporary, recursive: true);
        }
        return 0;
    }

    /// <summary>
    /// Stage (d): what reading a JPEG shard costs per record, ImageSharp against libjpeg-turbo on the
    /// same records (q90, as `alexnet prepare --format jpeg` writes them), with the ratio of the two.
    /// </summary>
    private static void CompareJpegDecoders(List<byte[]> sources, SourceImageConverter converter, int size, int workers, int rounds, TimeSpan round)
    {
        var records = new List<byte[]>();
        foreach (var source in sources)
        {
            var square = new byte[size * size * 3];
            if (!converter.Convert(source, square).Stored) continue;
            using var image = Image.LoadPixelData<Rgb24>(square, size, size);
            using var stream = new MemoryStream();
            image.SaveAsJpeg(stream, new JpegEncoder { Quality = 90 });
            records.Add(stream.ToArray());
        }
        var pixels = Enumerable.Range(0, workers).Select(_ => new byte[size * size * 3]).ToArray();
        Console.WriteLine($"(d) JPEG record (q90, {size}×{size}, mean {records.Average(r => r.Length) / 1024:F0} KB) -> RGB pixels, the decode of every JPEG-shard read " +
                          $"(in use here: {JpegDecoding.Name(JpegDecoding.Current)}, alexnet.data.jpeg-decoder)");
        double? imageSharp = null;
        foreach (var decoder in new[] { AlexNet.Data.JpegDecoder.ImageSharp, AlexNet.Data.JpegDecoder.LibjpegTurbo })
        {
            if (decoder == AlexNet.Data.JpegDecoder.LibjpegTurbo && !TurboJpeg.Available)
            {
                Console.WriteLine("  libjpeg-turbo: not on this machine (libturbojpeg.so.0; Debian/Ubuntu: apt install libturbojpeg0)");
                continue;
            }
            var r = ThroughputMeter.Measure(1, round, rounds, (w, i) =>
            {
                JpegDecoding.DecodeRecord(records[(int)(i % records.Count)], pixels[w], size, decoder);
                return 1;
            });
            Console.WriteLine($"  {JpegDecoding.Name(decoder),-13}: {r.PerSecond,8:F0} records/s on 1 core ({r.PerCpuSecond:F0} per CPU-second)" +
                              (imageSharp is double baseline ? $", {r.PerSecond / baseline:F2}x ImageSharp" : ""));
            imageSharp ??= r.PerSecond;
        }
    }

    private static void Report(string title, int workers, int rounds, TimeSpan round, Func<int, long, int> work)
    {
        Console.WriteLine(title);
        var one = ThroughputMeter.Measure(1, round, rounds, work);
        Console.WriteLine($"  1 worker : {one.PerSecond,8:F0} images/s per core ({one.PerCpuSecond:F0} per CPU-second)");
        if (workers == 1) return;
        var all = ThroughputMeter.Measure(workers, round, rounds, work);
        double perCore = all.PerSecond / workers;
        Console.WriteLine($"  {workers} workers: {perCore,8:F0} images/s per core ({all.PerCpuSecond:F0} per CPU-second), ratio to 1 worker {perCore / one.PerSecond:F2}; {workers} workers deliver {all.PerSecond:F0} images/s");
    }

    /// <summary>The picture as a JPEG (quality 90) with longer side at most <paramref name="longer"/>, orientation applied, metadata dropped.</summary>
    internal static byte[] Shrink(byte[] file, int longer)
    {
        using var image = Image.Load<Rgb24>(file);
        image.Mutate(x => x.AutoOrient());
        image.Metadata.ExifProfile = null;
        image.Metadata.IccProfile = null;
        double scale = (double)longer / Math.Max(image.Width, image.Height);
        if (scale < 1) image.Mutate(x => x.Resize((int)Math.Round(image.Width * scale), (int)Math.Round(image.Height * scale)));
        using var stream = new MemoryStream();
        image.SaveAsJpeg(stream, new JpegEncoder { Quality = 90 });
        return stream.ToArray();
    }

    private static DatasetStatistics SampleStatistics(IImageDataset dataset)
    {
        var accumulator = new StatisticsAccumulator(dataset.ImageSide);
        var pixels = new byte[dataset.ImageSide * dataset.ImageSide * 3];
        for (int i = 0; i < dataset.Count; i++) { dataset.ReadPixels(i, pixels); accumulator.Add(pixels); }
        return accumulator.ToStatistics();
    }
}
