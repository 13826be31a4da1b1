using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace AlexNet.Data.Tests;

/// <summary>
/// Real photographs nobody here made: Debian's mate-backgrounds package (installed by .ci/run).
/// </summary>
public static class MatePhotos
{
    public const string Root = "/usr/share/backgrounds/mate";

    public static IReadOnlyList<string> Jpegs => Files("*.jpg");
    public static IReadOnlyList<string> Pngs => Files("*.png");

    private static IReadOnlyList<string> Files(string pattern)
    {
        Assert.True(Directory.Exists(Root), $"{Root} is missing: install Debian's mate-backgrounds (.ci/run does)");
        var files = Directory.GetFiles(Root, pattern, SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(files);
        return files;
    }

    /// <summary>A real photo at ImageNet size (longer side <paramref name="longer"/>), JPEG-encoded, metadata stripped.</summary>
    public static byte[] Small(string path, int longer = 320, int quality = 90)
    {
        using var image = Image.Load<Rgb24>(path);
        image.Metadata.ExifProfile = null;
        image.Metadata.IccProfile = null;
        double scale = (double)longer / Math.Max(image.Width, image.Height);
        image.Mutate(x => x.Resize((int)Math.Round(image.Width * scale), (int)Math.Round(image.Height * scale)));
        using var stream = new MemoryStream();
        image.SaveAsJpeg(stream, new JpegEncoder { Quality = quality });
        return stream.ToArray();
    }

    public static Image<Rgb24> SmallImage(string path, int longer = 320) => Image.Load<Rgb24>(Small(path, longer));
}
