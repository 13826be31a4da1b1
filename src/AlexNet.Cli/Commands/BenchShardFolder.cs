using AlexNet.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;

namespace AlexNet.Cli.Commands;

/// <summary>
/// A prepared folder made from a folder of pictures, for the loader benchmark. The first files
/// (ordinal order, searched recursively) are re-encoded as ImageNet-sized JPEGs (longer side 500, as
/// `bench-loader --shrink-to 500`), converted as `alexnet prepare` converts (shorter side to 256,
/// centre crop) and stored as `alexnet prepare --format jpeg|raw` stores them (JPEG q90 or RGB bytes).
/// The train split cycles through them up to the asked number of records, labels alternating over two
/// classes; the val split is empty, so a run over the folder never stops to validate.
/// </summary>
internal static class BenchShardFolder
{
    public const int ShrinkTo = 500, Side = 256, Quality = 90;

    /// <summary>What was made: files used (of those taken), their mean size after re-encoding, the mean record size.</summary>
    public sealed record Made(RecordFormat Format, int Files, int Taken, double MeanWidth, double MeanHeight, double MeanRecordBytes, int Records)
    {
        public override string ToString() =>
            $"{Records} {(Format == RecordFormat.Jpeg ? $"JPEG q{Quality}" : "raw RGB")} records of {Side}x{Side} (mean {MeanRecordBytes / 1024:F0} KB), " +
            $"cycling through {Files} picture(s){(Taken > Files ? $" ({Taken - Files} unreadable skipped)" : "")} re-encoded as JPEG q90 with " +
            $"longer side {ShrinkTo} (mean {MeanWidth:F0}x{MeanHeight:F0}); val split empty";
    }

    public static Made Write(string pictures, int files, int records, RecordFormat format, string root)
    {
        var paths = Directory.EnumerateFiles(pictures, "*", SearchOption.AllDirectories).Where(ImageFolderLayout.IsImageFile)
            .Order(StringComparer.Ordinal).Take(files).ToList();
        if (paths.Count == 0) throw new UsageException($"--data {pictures}: no .jpg, .jpeg or .png file (nor a folder prepared by 'alexnet prepare')");
        var converter = new SourceImageConverter(Side);
        var shrunk = new byte[paths.Count][];
        var payloads = new byte[paths.Count][];
        var pixels = new byte[paths.Count][];
        Parallel.For(0, paths.Count, i =>
        {
            try { shrunk[i] = BenchLoaderCommand.Shrink(File.ReadAllBytes(paths[i]), ShrinkTo); }
            catch (ImageFormatException) { return; }
            var square = new byte[Side * Side * 3];
            if (!converter.Convert(shrunk[i], square).Stored) return;
            (payloads[i], pixels[i]) = format == RecordFormat.Jpeg ? Encode(square) : (square, square);
        });
        var kept = Enumerable.Range(0, paths.Count).Where(i => payloads[i] is not null).ToList();
        if (kept.Count == 0) throw new UsageException($"--data {pictures}: none of the first {paths.Count} picture(s) could be read");

        var classes = new[] { "a", "b" };
        Directory.CreateDirectory(root);
        File.WriteAllLines(PreparedLayout.Classes(root), classes);
        var statistics = new StatisticsAccumulator(Side);
        foreach (var i in kept) statistics.Add(pixels[i]);
        StatisticsFile.Save(PreparedLayout.Statistics(root), statistics.ToStatistics(), kept.Count);
        SingleShardSplit.Write(PreparedLayout.Split(root, "train"), Side, classes,
            Enumerable.Range(0, records).Select(r => (payloads[kept[r % kept.Count]], r % classes.Length)), format);
        SingleShardSplit.Write(PreparedLayout.Split(root, "val"), Side, classes, Array.Empty<(byte[], int)>(), format);

        var sizes = kept.Select(i => Image.Identify(shrunk[i])).ToList();
        return new Made(format, kept.Count, paths.Count, sizes.Average(s => s.Width), sizes.Average(s => s.Height),
            Enumerable.Range(0, records).Average(r => payloads[kept[r % kept.Count]].Length), records);
    }

    /// <summary>The record's JPEG bytes and the pixels a reader decodes from them (what the statistics describe, as in `prepare`).</summary>
    private static (byte[] Jpeg, byte[] Decoded) Encode(byte[] square)
    {
        using var image = Image.LoadPixelData<Rgb24>(ImageSharpSettings.SingleThreaded, square, Side, Side);
        using var stream = new MemoryStream();
        image.SaveAsJpeg(stream, new JpegEncoder { Quality = Quality });
        var jpeg = stream.ToArray();
        using var back = Image.Load<Rgb24>(ImageSharpSettings.SingleThreaded, jpeg);
        var decoded = new byte[Side * Side * 3];
        back.CopyPixelDataTo(decoded);
        return (jpeg, decoded);
    }
}
