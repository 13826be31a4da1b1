using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AlexNet.Data;

/// <summary>Where a Fashion-MNIST import put things and how many.</summary>
public sealed record FashionMnistImport(int Train, int Validation, int Test, IReadOnlyList<string> Classes);

/// <summary>
/// `alexnet import fashion-mnist`: the IDX files to the ImageNet layout, so the small real dataset
/// takes the same path as ImageNet. OUT/train and OUT/val come from the training file (val is a
/// seeded, per-class holdout: tune on it); OUT/test is the official 10,000-image test file (report
/// on it, never tune on it). Images are 28×28 grayscale PNGs named by their position in the source
/// file; prepare replicates gray to RGB.
/// </summary>
public sealed class FashionMnistImporter
{
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";
    private const int Side = 28;

    /// <summary>
    /// Class folders: the digit prefix makes the sorted folder order equal the label order, which is
    /// how prepare numbers classes.
    /// </summary>
    public static readonly string[] ClassFolders =
    {
        "0_T-shirt_top", "1_Trouser", "2_Pullover", "3_Dress", "4_Coat",
        "5_Sandal", "6_Shirt", "7_Sneaker", "8_Bag", "9_Ankle_boot",
    };

    public double ValidationFraction { get; init; } = 0.1;
    public long Seed { get; init; }
    /// <summary>Only the first N images of each file (for quick tests); null for all.</summary>
    public int? Limit { get; init; }
    public int Workers { get; init; } = Environment.ProcessorCount;

    public FashionMnistImport Run(string idxDirectory, string output)
    {
        if (ValidationFraction is < 0 or >= 1) throw new DataFormatException($"validation fraction {ValidationFraction}: expected 0 ≤ f < 1");
        if (Limit is < 1) throw new DataFormatException($"limit {Limit}: expected at least 1");
        if (Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any())
            throw new DataFormatException($"{output}: exists and is not empty (import writes a new folder)");
        var (trainImages, trainLabels) = ReadPair(idxDirectory, "train");
        var (testImages, testLabels) = ReadPair(idxDirectory, "t10k");

        var validation = HoldOut(trainLabels.Data);
        var split = new string[trainImages.Items];
        for (int i = 0; i < split.Length; i++) split[i] = validation.Contains(i) ? "val" : "train";
        Directory.CreateDirectory(output);
        foreach (var s in ValidationFraction > 0 ? new[] { "train", "val", "test" } : new[] { "train", "test" })
            foreach (var c in ClassFolders) Directory.CreateDirectory(Path.Combine(output, s, c));
        WritePngs(trainImages, trainLabels, i => split[i], output);
        WritePngs(testImages, testLabels, _ => "test", output);
        File.WriteAllLines(Path.Combine(output, "classes.txt"), ClassFolders);
        File.WriteAllText(Path.Combine(output, "README.txt"),
            $"Fashion-MNIST from {idxDirectory}.\n" +
            $"train/ and val/ come from the training file (val: {validation.Count} images, a per-class holdout of fraction {ValidationFraction}, seed {Seed}): tune on val/.\n" +
            $"test/ is the official t10k test set ({testImages.Items} images): report on it, never tune on it.\n" +
            "Label i is class folder i in sorted order (the digit prefix); images are named by their index in the source file.\n");
        return new FashionMnistImport(trainImages.Items - validation.Count, validation.Count, testImages.Items, ClassFolders);
    }

    private (IdxArray Images, IdxArray Labels) ReadPair(string directory, string prefix)
    {
        var images = IdxFile.Read(Find(directory, $"{prefix}-images-idx3-ubyte"), 3, Limit);
        var labels = IdxFile.Read(Find(directory, $"{prefix}-labels-idx1-ubyte"), 1, Limit);
        if (images.Dimensions[1] != Side || images.Dimensions[2] != Side)
            throw new DataFormatException($"{images.Path}: images of {images.Dimensions[1]}×{images.Dimensions[2]}, expected {Side}×{Side}");
        if (images.Dimensions[0] != labels.Dimensions[0])
            throw new DataFormatException($"{labels.Path}: dimension mismatch: {labels.Dimensions[0]} labels for {images.Dimensions[0]} images in {images.Path}");
        for (int i = 0; i < labels.Items; i++)
            if (labels.Data[i] >= ClassFolders.Length) throw new DataFormatException($"{labels.Path}: label {labels.Data[i]} at item {i}, expected 0..{ClassFolders.Length - 1}");
        return (images, labels);
    }

    private static string Find(string directory, string name)
    {
        foreach (var candidate in new[] { name + ".gz", name })
            if (File.Exists(Path.Combine(directory, candidate))) return Path.Combine(directory, candidate);
        throw new DataFormatException($"{Path.Combine(directory, name)}(.gz): not found (Debian's dataset-fashion-mnist installs it in {DefaultDirectory})");
    }

    /// <summary>The same fraction of every class, chosen by a seeded permutation of that class's images.</summary>
    private HashSet<int> HoldOut(byte[] labels)
    {
        var held = new HashSet<int>();
        for (int c = 0; c < ClassFolders.Length; c++)
        {
            var members = Enumerable.Range(0, labels.Length).Where(i => labels[i] == c).ToArray();
            int take = (int)Math.Round(members.Length * ValidationFraction);
            var order = SeededRandom.Permutation(members.Length, Seed, c, 0xF417);
            for (int k = 0; k < take; k++) held.Add(members[order[k]]);
        }
        return held;
    }

    private void WritePngs(IdxArray images, IdxArray labels, Func<int, string> splitOf, string output)
    {
        int itemBytes = images.ItemBytes;
        Parallel.For(0, images.Items, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Workers) }, i =>
        {
            using var image = Image.LoadPixelData<L8>(ImageSharpSettings.SingleThreaded, images.Data.AsSpan(i * itemBytes, itemBytes), Side, Side);
            image.SaveAsPng(Path.Combine(output, splitOf(i), ClassFolders[labels.Data[i]], $"{i:D5}.png"));
        });
    }
}
