namespace AlexNet.Data;

/// <summary>Where an image's crop came from: top-left corner in the stored image, and whether it was mirrored.</summary>
public readonly record struct CropBox(int X, int Y, bool Flipped);

/// <summary>
/// A batch as data loaders ship it: compact uint8 pixels plus what the tower needs to finish the
/// input on its own device: float(pixels) − crop(mean image) + lighting offset.
/// </summary>
/// <param name="Epoch">Epoch the batch belongs to.</param>
/// <param name="Index">Batch number within the epoch (training) or the validation pass.</param>
/// <param name="Side">Crop side S.</param>
/// <param name="Pixels">N×3×S×S bytes, channel-major (CHW) per image, RGB.</param>
/// <param name="Lighting">N×3 floats: the PCA lighting offset Σ p_i·α_i·λ_i added to every pixel of that image (0 for validation).</param>
/// <param name="Labels">N class indices.</param>
/// <param name="Crops">N crop boxes, for subtracting the matching crop of the mean image.</param>
/// <param name="SampleIndices">N dataset indices (for checking that no sample is lost or repeated).</param>
public sealed record ImageBatch(long Epoch, int Index, int Side, byte[] Pixels, float[] Lighting, int[] Labels, CropBox[] Crops, int[] SampleIndices)
{
    public int Count => Labels.Length;

    /// <summary>Images of the batch that could not be read and were left out (see <see cref="BatchAssembler"/>); usually none.</summary>
    public IReadOnlyList<SkippedImage> Skipped { get; init; } = Array.Empty<SkippedImage>();
}

/// <summary>An image left out of a batch: its dataset index and why it could not be read.</summary>
public sealed record SkippedImage(int Index, string Reason);
