using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;

namespace AlexNet.Data.Tests;

/// <summary>Every kind of bad input is converted or skipped with a reason; none stops a run.</summary>
public class BadInputTests
{
    private const int Size = 32;
    private static readonly SourceImageConverter Converter = new(Size, maxPixels: 40_000_000);

    private static string RealPhoto => MatePhotos.Jpegs[0];

    private static byte[] Encode(Image image, SixLabors.ImageSharp.Formats.IImageEncoder encoder)
    {
        using var stream = new MemoryStream();
        image.Save(stream, encoder);
        return stream.ToArray();
    }

    private static (ConversionOutcome Outcome, byte[] Square) Convert(byte[] file)
    {
        var square = new byte[Size * Size * 3];
        return (Converter.Convert(file, square), square);
    }

    private static (int R, int G, int B) Pixel(byte[] square, int x, int y) => (square[(y * Size + x) * 3], square[(y * Size + x) * 3 + 1], square[(y * Size + x) * 3 + 2]);

    public static byte[] ZeroBytes() => Array.Empty<byte>();
    public static byte[] TextFile() => "this is a text file with a .jpg name\n"u8.ToArray();
    public static byte[] TruncatedJpeg() { var j = MatePhotos.Small(RealPhoto); return j[..(j.Length * 2 / 3)]; }
    public static byte[] TruncatedPng() { using var i = MatePhotos.SmallImage(RealPhoto, 100); var p = Encode(i, new PngEncoder()); return p[..(p.Length / 2)]; }
    public static byte[] HugePng() => HandmadeFiles.PngHeaderOnly(60_000, 60_000);

    [Fact]
    public void Unusable_files_are_skipped_with_the_reason()
    {
        Assert.Equal(ConversionOutcome.Skip("empty file"), Convert(ZeroBytes()).Outcome);
        Assert.Equal(ConversionOutcome.Skip("not an image (no known format signature)"), Convert(TextFile()).Outcome);
        Assert.Equal(ConversionOutcome.Skip("truncated JPEG (no end-of-image marker)"), Convert(TruncatedJpeg()).Outcome);
        Assert.Equal(ConversionAction.Skipped, Convert(TruncatedPng()).Outcome.Action);
        var huge = Convert(HugePng()).Outcome;
        Assert.Equal(ConversionAction.Skipped, huge.Action);
        Assert.Contains("60000×60000 = 3600000000 pixels exceeds the cap of 40000000", huge.Reason);
    }

    [Fact]
    public void The_truncated_jpeg_would_decode_silently_without_the_end_marker_check()
    {
        // Why the check exists: ImageSharp fills the missing part instead of failing.
        using var image = Image.Load<Rgb24>(TruncatedJpeg());
        Assert.True(image.Width > 0);
    }

    [Fact]
    public void A_real_photo_is_kept()
    {
        var (outcome, square) = Convert(MatePhotos.Small(RealPhoto));
        Assert.Equal(ConversionOutcome.Kept, outcome);
        Assert.True(square.Distinct().Count() > 50, "a photograph has many distinct values");
    }

    [Fact]
    public void Grayscale_jpeg_is_replicated_to_rgb()
    {
        using var photo = MatePhotos.SmallImage(RealPhoto);
        using var gray = photo.CloneAs<L8>();
        var (outcome, square) = Convert(Encode(gray, new JpegEncoder { ColorType = JpegColorType.Luminance }));
        Assert.Equal(new ConversionOutcome(ConversionAction.Converted, "grayscale → RGB"), outcome);
        for (int p = 0; p < Size * Size; p++) Assert.True(square[3 * p] == square[3 * p + 1] && square[3 * p] == square[3 * p + 2]);
    }

    [Fact]
    public void Cmyk_jpeg_is_converted_to_rgb()
    {
        // Adobe CMYK as Photoshop stores it (inverted): C = K = 255, M = Y = 0 is pure red.
        var (outcome, square) = Convert(HandmadeFiles.CmykJpeg(new byte[] { 255, 0, 0, 255 }));
        Assert.Equal(new ConversionOutcome(ConversionAction.Converted, "CMYK → RGB"), outcome);
        var (r, g, b) = Pixel(square, 5, 5);
        Assert.True(r > 240 && g < 15 && b < 15, $"expected red, got ({r},{g},{b})");
        var (r2, g2, b2) = Pixel(Convert(HandmadeFiles.CmykJpeg(new byte[] { 0, 255, 255, 255 })).Square, 5, 5);
        Assert.True(r2 < 15 && g2 > 240 && b2 > 240, $"expected cyan, got ({r2},{g2},{b2})");
    }

    [Fact]
    public void Png_alpha_is_composited_on_white()
    {
        using var image = new Image<Rgba32>(64, 64);
        for (int y = 0; y < 64; y++)
        for (int x = 0; x < 64; x++)
            image[x, y] = x < 32 ? new Rgba32(0, 0, 0, 0) : new Rgba32(0, 200, 0, 255);
        var (outcome, square) = Convert(Encode(image, new PngEncoder { ColorType = PngColorType.RgbWithAlpha }));
        Assert.Equal(new ConversionOutcome(ConversionAction.Converted, "alpha composited on white"), outcome);
        Assert.Equal((255, 255, 255), Pixel(square, 2, 10));
        Assert.Equal((0, 200, 0), Pixel(square, 29, 10));
    }

    [Fact]
    public void Sixteen_bit_png_is_reduced_to_eight_bits()
    {
        using var image = new Image<Rgb48>(40, 40);
        for (int y = 0; y < 40; y++) for (int x = 0; x < 40; x++) image[x, y] = new Rgb48(0x1234, 0x8000, 0xFFFF);
        var (outcome, square) = Convert(Encode(image, new PngEncoder { BitDepth = PngBitDepth.Bit16, ColorType = PngColorType.Rgb }));
        Assert.Equal(new ConversionOutcome(ConversionAction.Converted, "16-bit → 8-bit"), outcome);
        var (r, g, b) = Pixel(square, 16, 16);
        Assert.True(Math.Abs(r - 0x12) <= 1 && Math.Abs(g - 0x80) <= 1 && b == 255, $"({r},{g},{b})");
    }

    [Fact]
    public void Exif_orientation_is_applied()
    {
        // Stored 60×40, left half red, right half blue; orientation 6 means "rotate 90° clockwise to view",
        // which puts the red half on top.
        using var image = new Image<Rgb24>(60, 40);
        for (int y = 0; y < 40; y++) for (int x = 0; x < 60; x++) image[x, y] = x < 30 ? new Rgb24(255, 0, 0) : new Rgb24(0, 0, 255);
        image.Metadata.ExifProfile = new ExifProfile();
        image.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)6);
        var (outcome, square) = Convert(Encode(image, new JpegEncoder { Quality = 95 }));
        Assert.Equal(new ConversionOutcome(ConversionAction.Converted, "EXIF orientation 6 applied"), outcome);
        Assert.True(Pixel(square, 4, 2).R > 200 && Pixel(square, 28, 2).R > 200, "top row red");
        Assert.True(Pixel(square, 4, 29).B > 200 && Pixel(square, 28, 29).B > 200, "bottom row blue");
    }

    [Fact]
    public void A_prepare_run_over_every_bad_kind_completes_and_reports_each_file()
    {
        using var dir = new TempFolder();
        string good = dir["src/train/good"], bad = dir["src/train/bad"];
        Directory.CreateDirectory(good); Directory.CreateDirectory(bad);
        File.WriteAllBytes(Path.Combine(good, "photo1.jpg"), MatePhotos.Small(MatePhotos.Jpegs[1]));
        File.WriteAllBytes(Path.Combine(good, "photo2.JPEG"), MatePhotos.Small(MatePhotos.Jpegs[2]));
        File.WriteAllBytes(Path.Combine(bad, "empty.jpg"), ZeroBytes());
        File.WriteAllBytes(Path.Combine(bad, "text.jpg"), TextFile());
        File.WriteAllBytes(Path.Combine(bad, "truncated.jpg"), TruncatedJpeg());
        File.WriteAllBytes(Path.Combine(bad, "truncated.png"), TruncatedPng());
        File.WriteAllBytes(Path.Combine(bad, "huge.png"), HugePng());
        File.WriteAllBytes(Path.Combine(bad, "cmyk.jpg"), HandmadeFiles.CmykJpeg(new byte[] { 10, 200, 30, 250 }));

        var summary = new DatasetPreparer(new PrepareSettings(Size: Size, ShardImages: 4, MaxPixels: 40_000_000), 2).Run(dir["src"], dir["out"]);
        Assert.Equal(new SplitSummary(Stored: 3, Converted: 1, Skipped: 5, Ignored: 0), summary.Splits["train"]);
        var report = File.ReadAllLines(PreparedLayout.Report(dir["out"]));
        Assert.Equal(ReportLine.Header, report[0]);
        var byPath = report.Skip(1).Select(l => l.Split('\t')).ToDictionary(f => f[1], f => (Action: f[2], Reason: f[3]));
        Assert.Equal(("converted", "CMYK → RGB"), byPath["bad/cmyk.jpg"]);
        Assert.Equal(("skipped", "empty file"), byPath["bad/empty.jpg"]);
        Assert.Equal("skipped", byPath["bad/huge.png"].Action);
        Assert.Equal("skipped", byPath["bad/text.jpg"].Action);
        Assert.Equal("skipped", byPath["bad/truncated.jpg"].Action);
        Assert.Equal("skipped", byPath["bad/truncated.png"].Action);
        Assert.Equal(6, byPath.Count);
        using var data = PreparedDataset.Open(dir["out"], "train");
        Assert.Equal(3, data.Count);
    }
}
