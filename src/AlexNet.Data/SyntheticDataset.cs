namespace AlexNet.Data;

/// <summary>
/// A learnable synthetic image set that needs nothing on disk: each class is a fixed pattern
/// (a coloured blob at a class-specific place, on a class-specific tint) plus per-image noise and
/// jitter. Used by the no-argument fallback of `alexnet train`, the benchmark and the tests.
/// </summary>
public sealed class SyntheticDataset : IImageDataset
{
    private readonly int _classes;
    private readonly long _seed;
    private readonly long _firstImage;

    /// <param name="seed">Fixes the class patterns: a training and a validation set must share it.</param>
    /// <param name="firstImage">Number of this set's first image; give disjoint ranges to disjoint sets.</param>
    public SyntheticDataset(int count, int classes, int side, long seed = 1, long firstImage = 0)
    {
        if (count < 1 || classes < 2 || side < 8) throw new ArgumentException("synthetic dataset: count ≥ 1, classes ≥ 2, side ≥ 8");
        Count = count; _classes = classes; ImageSide = side; _seed = seed; _firstImage = firstImage;
        ClassNames = Enumerable.Range(0, classes).Select(c => $"synthetic-{c}").ToArray();
    }

    public int Count { get; }
    public IReadOnlyList<string> ClassNames { get; }
    public int ImageSide { get; }

    public int Label(int index) => (int)(new SeededRandom(_seed, _firstImage + index, 0x1AB).NextUInt64() % (ulong)_classes);

    public void ReadPixels(int index, Span<byte> rgbHwc)
    {
        int label = Label(index), side = ImageSide;
        var cls = new SeededRandom(_seed, label, 0xC1A55);
        double cx = (0.25 + 0.5 * cls.NextDouble()) * side, cy = (0.25 + 0.5 * cls.NextDouble()) * side;
        double radius = side * (0.12 + 0.1 * cls.NextDouble());
        Span<double> blob = stackalloc double[3], tint = stackalloc double[3];
        for (int c = 0; c < 3; c++) { blob[c] = 255 * cls.NextDouble(); tint[c] = 60 + 80 * cls.NextDouble(); }
        var img = new SeededRandom(_seed, _firstImage + index, 0x1316);
        cx += (img.NextDouble() - 0.5) * side * 0.1;
        cy += (img.NextDouble() - 0.5) * side * 0.1;
        for (int y = 0; y < side; y++)
        for (int x = 0; x < side; x++)
        {
            double d2 = ((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (radius * radius);
            double w = Math.Exp(-d2);
            for (int c = 0; c < 3; c++)
            {
                double v = tint[c] * (1 - w) + blob[c] * w + (img.NextDouble() - 0.5) * 40;
                rgbHwc[(y * side + x) * 3 + c] = (byte)Math.Clamp(v, 0, 255);
            }
        }
    }
}
