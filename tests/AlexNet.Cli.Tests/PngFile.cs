using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AlexNet.Cli.Tests;

/// <summary>What the tests check of a written picture: its size and how many different colours it has.</summary>
public static class PngFile
{
    public static (int Width, int Height, int Colours) Inspect(string path)
    {
        using var image = Image.Load<Rgb24>(path);
        var colours = new HashSet<Rgb24>();
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++) foreach (var p in rows.GetRowSpan(y)) colours.Add(p);
        });
        return (image.Width, image.Height, colours.Count);
    }
}
