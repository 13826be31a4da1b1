namespace AlexNet.Data;

/// <summary>Images held in memory (HWC RGB bytes), e.g. a snapshot of another dataset for benchmarks.</summary>
public sealed class InMemoryDataset : IImageDataset
{
    private readonly byte[][] _pixels;
    private readonly int[] _labels;

    public InMemoryDataset(IReadOnlyList<string> classNames, int side, byte[][] pixels, int[] labels)
    {
        if (pixels.Length != labels.Length) throw new ArgumentException("one label per image");
        if (pixels.Any(p => p.Length != side * side * 3)) throw new ArgumentException($"every image must be {side}x{side}x3 bytes");
        ClassNames = classNames; ImageSide = side; _pixels = pixels; _labels = labels;
    }

    /// <summary>Reads the first <paramref name="count"/> images of <paramref name="source"/> into memory.</summary>
    public static InMemoryDataset Snapshot(IImageDataset source, int count)
    {
        count = Math.Min(count, source.Count);
        var pixels = new byte[count][];
        var labels = new int[count];
        Parallel.For(0, count, i =>
        {
            pixels[i] = new byte[source.ImageSide * source.ImageSide * 3];
            source.ReadPixels(i, pixels[i]);
            labels[i] = source.Label(i);
        });
        return new InMemoryDataset(source.ClassNames, source.ImageSide, pixels, labels);
    }

    public int Count => _pixels.Length;
    public IReadOnlyList<string> ClassNames { get; }
    public int ImageSide { get; }
    public int Label(int index) => _labels[index];
    public void ReadPixels(int index, Span<byte> rgbHwc) => _pixels[index].CopyTo(rgbHwc);
}
