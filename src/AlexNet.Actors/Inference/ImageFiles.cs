using AlexNet.Data;

namespace AlexNet.Actors.Inference;

/// <summary>
/// Arbitrary image files as an unlabelled dataset, each converted as `alexnet prepare` converts
/// training images: EXIF orientation applied, shorter side scaled to the stored size, centre square.
/// </summary>
public static class ImageFiles
{
    /// <summary>Every file converted to <paramref name="side"/>×<paramref name="side"/>; labels are 0 (unknown).</summary>
    public static InMemoryDataset Load(IReadOnlyList<string> paths, int side, IReadOnlyList<string> classNames)
    {
        var converter = new SourceImageConverter(side);
        var pixels = new byte[paths.Count][];
        for (int i = 0; i < paths.Count; i++)
        {
            var path = paths[i];
            if (!File.Exists(path)) throw new ModelInputException($"image {path}: no such file (expected a JPEG, PNG or other image file)");
            pixels[i] = new byte[side * side * 3];
            var outcome = converter.Convert(File.ReadAllBytes(path), pixels[i]);
            if (outcome.Action == ConversionAction.Skipped)
                throw new ModelInputException($"image {path}: cannot be used: {outcome.Reason} (expected a readable JPEG, PNG or other image file)");
        }
        return new InMemoryDataset(classNames, side, pixels, new int[paths.Count]);
    }
}
