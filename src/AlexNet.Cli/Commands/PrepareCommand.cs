using System.Globalization;
using AlexNet.Data;

namespace AlexNet.Cli.Commands;

/// <summary>`alexnet prepare SRC OUT`: the one-time down-sampling into shards, with the training statistics.</summary>
public sealed class PrepareCommand : ICommand
{
    public string Name => "prepare";
    public string Summary => "down-sample an ImageNet-layout folder into shards of 256x256 images, with mean and RGB PCA";
    public string Usage => """
        usage: alexnet prepare SRC OUT [--size 256] [--format raw|jpeg] [--quality 90] [--workers N]
                                       [--shard-images 1024] [--max-pixels 50000000] [--jpeg-decoder D]
          SRC               SRC/train/<class>/*.{jpg,jpeg,png}, and SRC/val/, SRC/test/ when present;
                            labels are the training class folders in sorted (ordinal) order
          OUT               output folder; run the same command again to continue an interrupted run
          --size S          side of the stored squares: shorter side to S, centre crop (default 256)
          --format F        raw (RGB bytes, fastest to read) or jpeg (about a tenth of the space)
          --quality Q       JPEG quality of jpeg records (default 90)
          --workers N       parallel workers (default: every core)
          --shard-images N  source images per shard: the unit of work and of resuming (default 1024)
          --max-pixels N    skip images with more pixels than this, before decoding (default 50000000)
          --jpeg-decoder D  auto (libjpeg-turbo when libturbojpeg is installed), libjpeg-turbo or imagesharp;
                            rotated, CMYK and non-JPEG images always go through ImageSharp
        Writes OUT/SPLIT/shard-*.bin with index.json (counts, SHA-256), OUT/statistics.bin (training
        mean image and RGB eigen-decomposition), OUT/classes.txt and OUT/prepare-report.tsv (every
        converted, skipped or ignored file, with the reason). Bad files never stop the run; an empty
        or unreadable class folder is reported and warned about. OUT must not be SRC or inside it.
        """;

    public int Run(CliArgs args)
    {
        var settings = new PrepareSettings(
            Size: args.Int("size") ?? 256,
            Format: ParseFormat(args.String("format") ?? "raw"),
            Quality: args.Int("quality") ?? 90,
            ShardImages: args.Int("shard-images") ?? 1024,
            MaxPixels: args.Long("max-pixels") ?? SourceImageConverter.DefaultMaxPixels);
        int workers = args.Int("workers") ?? Environment.ProcessorCount;
        JpegDecoderFlag.Apply(args);
        args.RejectUnknown(Name);
        if (args.Positional.Count != 2) throw new UsageException("expected SRC and OUT (see 'alexnet prepare --help')");
        string source = args.Positional[0], output = args.Positional[1];
        if (workers < 1) throw new UsageException($"option --workers: {workers} is not a positive number of workers");

        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler stop = (_, e) => { e.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += stop;
        var progress = new ConsoleProgress();
        PrepareSummary summary;
        try
        {
            summary = new DatasetPreparer(settings, workers).Run(source, output, progress, cancel.Token);
        }
        catch (OperationCanceledException)
        {
            progress.Finish();
            Console.Error.WriteLine($"alexnet prepare: stopped; completed shards are kept, run the same command again to continue");
            return 130;
        }
        finally
        {
            Console.CancelKeyPress -= stop;
            progress.Finish(); // an error message must not land on the progress bar's line
        }
        foreach (var (split, s) in summary.Splits)
            Console.WriteLine($"{split}: {s.Stored} images stored ({s.Converted} converted), {s.Skipped} skipped, {s.Ignored} other files ignored" +
                              (s.EmptyClasses > 0 ? $", {s.EmptyClasses} empty class folder(s)" : "") +
                              (s.UnreadableFolders > 0 ? $", {s.UnreadableFolders} unreadable class folder(s) skipped" : ""));
        foreach (var warning in summary.Warnings ?? Array.Empty<string>())
            Console.Error.WriteLine($"warning: {warning}");
        var st = summary.Statistics;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"statistics: {PreparedLayout.Statistics(output)}; eigenvalues (0..1 scale) {st.Eigenvalues[0]:G4} {st.Eigenvalues[1]:G4} {st.Eigenvalues[2]:G4}"));
        Console.WriteLine($"report: {PreparedLayout.Report(output)}; {summary.ShardsReused} shard(s) kept from an earlier run; {summary.Elapsed.TotalSeconds:F1} s; " +
                          $"JPEG decoder {JpegDecoding.Name(JpegDecoding.Current)}");
        return 0;
    }

    private static RecordFormat ParseFormat(string s) => s switch
    {
        "raw" => RecordFormat.Raw,
        "jpeg" or "jpg" => RecordFormat.Jpeg,
        _ => throw new UsageException($"option --format: '{s}' is not raw or jpeg"),
    };
}
