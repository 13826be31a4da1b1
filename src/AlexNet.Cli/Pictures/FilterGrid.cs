using SixLabors.ImageSharp.PixelFormats;

namespace AlexNet.Cli.Pictures;

/// <summary>
/// The learned conv1 kernels as a picture, as in the paper's Figure 3: one block of rows per
/// tower (the paper's two GPUs learned visibly different kernels), each kernel stretched on its
/// own to 0..255 (its smallest weight black, its largest white) and enlarged by whole pixels.
/// </summary>
public static class FilterGrid
{
    public const int MaxColumns = 16; // the paper's figure: 16 kernels a row
    private static readonly Rgb24 Background = new(40, 40, 40);

    public sealed record Layout(int Kernels, int Towers, int KernelSide, int Scale)
    {
        public int PerTower => Kernels / Towers;
        public int Columns => Math.Min(PerTower, MaxColumns);
        public int RowsPerTower => (PerTower + Columns - 1) / Columns;
        public int Cell => KernelSide * Scale;
        public int Gap => Math.Max(1, Scale);
        public int TowerGap => 4 * Gap;
        public int Width => Gap + Columns * (Cell + Gap);
        public int Height => Gap + Towers * RowsPerTower * (Cell + Gap) + (Towers - 1) * TowerGap;
    }

    /// <param name="weights">conv1.weight of the one-process network, [kernels, 3, side, side] row-major; tower t holds a contiguous block of kernels.</param>
    public static RgbCanvas Render(float[] weights, int kernels, int towers, int kernelSide, int scale)
    {
        var layout = new Layout(kernels, towers, kernelSide, scale);
        int plane = kernelSide * kernelSide, size = 3 * plane;
        if (weights.Length != kernels * size) throw new ArgumentException($"{weights.Length} weights, expected {kernels}x3x{kernelSide}x{kernelSide}");
        if (kernels % towers != 0) throw new ArgumentException($"{kernels} kernels do not split over {towers} towers");
        var canvas = new RgbCanvas(layout.Width, layout.Height, Background);
        var rgb = new byte[size];
        for (int k = 0; k < kernels; k++)
        {
            int tower = k / layout.PerTower, within = k % layout.PerTower;
            int row = tower * layout.RowsPerTower + within / layout.Columns, column = within % layout.Columns;
            Normalise(weights.AsSpan(k * size, size), plane, rgb);
            canvas.Draw(rgb, kernelSide, kernelSide,
                layout.Gap + column * (layout.Cell + layout.Gap),
                layout.Gap + row * (layout.Cell + layout.Gap) + tower * layout.TowerGap, scale);
        }
        return canvas;
    }

    /// <summary>One kernel (CHW) to interleaved RGB, its own minimum at 0 and maximum at 255.</summary>
    private static void Normalise(ReadOnlySpan<float> kernel, int plane, Span<byte> rgb)
    {
        float min = float.MaxValue, max = float.MinValue;
        foreach (var v in kernel) { min = Math.Min(min, v); max = Math.Max(max, v); }
        float range = max - min;
        for (int p = 0; p < plane; p++)
            for (int c = 0; c < 3; c++)
                rgb[p * 3 + c] = range > 0 ? (byte)Math.Round((kernel[c * plane + p] - min) / range * 255) : (byte)128;
    }
}
