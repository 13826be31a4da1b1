using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace AlexNet.Cli.Pictures;

/// <summary>An RGB picture drawn pixel by pixel (interleaved bytes, row-major), saved as PNG through ImageSharp.</summary>
public sealed class RgbCanvas
{
    public int Width { get; }
    public int Height { get; }
    public byte[] Pixels { get; }

    public RgbCanvas(int width, int height, Rgb24 background)
    {
        if (width < 1 || height < 1) throw new ArgumentOutOfRangeException(nameof(width), $"canvas of {width}x{height}");
        Width = width; Height = height;
        Pixels = new byte[width * height * 3];
        FillRect(0, 0, width, height, background);
    }

    public void Set(int x, int y, Rgb24 c)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height) return; // drawing is clipped to the canvas
        int at = (y * Width + x) * 3;
        Pixels[at] = c.R; Pixels[at + 1] = c.G; Pixels[at + 2] = c.B;
    }

    public void FillRect(int x, int y, int w, int h, Rgb24 c)
    {
        for (int j = Math.Max(0, y); j < Math.Min(Height, y + h); j++)
            for (int i = Math.Max(0, x); i < Math.Min(Width, x + w); i++) Set(i, j, c);
    }

    /// <summary>A straight line (Bresenham) of the given thickness in pixels.</summary>
    public void Line(int x0, int y0, int x1, int y1, Rgb24 c, int thickness = 1)
    {
        int dx = Math.Abs(x1 - x0), dy = -Math.Abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, err = dx + dy;
        int half = (thickness - 1) / 2;
        while (true)
        {
            FillRect(x0 - half, y0 - half, thickness, thickness, c);
            if (x0 == x1 && y0 == y1) return;
            int e2 = 2 * err;
            if (e2 >= dy) { err += dy; x0 += sx; }
            if (e2 <= dx) { err += dx; y0 += sy; }
        }
    }

    /// <summary>Copies an interleaved RGB image (HWC) with its top-left at (x, y), each pixel as a scale×scale block.</summary>
    public void Draw(ReadOnlySpan<byte> rgb, int width, int height, int x, int y, int scale = 1)
    {
        for (int j = 0; j < height * scale; j++)
            for (int i = 0; i < width * scale; i++)
            {
                int at = ((j / scale) * width + i / scale) * 3;
                Set(x + i, y + j, new Rgb24(rgb[at], rgb[at + 1], rgb[at + 2]));
            }
    }

    public byte[] ToPng()
    {
        using var image = Image.LoadPixelData<Rgb24>(Pixels, Width, Height);
        using var stream = new MemoryStream();
        image.Save(stream, new PngEncoder());
        return stream.ToArray();
    }

    public void SavePng(string path)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        var temp = path + ".tmp";
        File.WriteAllBytes(temp, ToPng());
        File.Move(temp, path, overwrite: true);
    }
}
