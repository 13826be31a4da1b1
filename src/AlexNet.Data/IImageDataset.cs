namespace AlexNet.Data;

/// <summary>
/// A labelled set of square RGB images, all <see cref="ImageSide"/>×<see cref="ImageSide"/>
/// (256 for prepared ImageNet-layout data). Implementations must allow concurrent reads.
/// </summary>
public interface IImageDataset
{
    int Count { get; }
    /// <summary>Class names; a label is an index into this list (sorted folder names for the ImageNet layout).</summary>
    IReadOnlyList<string> ClassNames { get; }
    int ImageSide { get; }
    int Label(int index);
    /// <summary>Writes image <paramref name="index"/> as interleaved RGB bytes (HWC), length side·side·3.</summary>
    void ReadPixels(int index, Span<byte> rgbHwc);
}
