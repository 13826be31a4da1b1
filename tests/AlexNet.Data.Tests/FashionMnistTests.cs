using System.IO.Compression;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AlexNet.Data.Tests;

/// <summary>The importer on Debian's real Fashion-MNIST files (dataset-fashion-mnist, installed by .ci/run).</summary>
public class FashionMnistTests
{
    private const string Idx = FashionMnistImporter.DefaultDirectory;

    private static void RequireDebianFiles() =>
        Assert.True(File.Exists(Path.Combine(Idx, "train-labels-idx1-ubyte.gz")), $"{Idx} is missing: install Debian's dataset-fashion-mnist (.ci/run does)");

    [Fact]
    public void The_real_label_file_has_the_published_first_labels_and_class_counts()
    {
        RequireDebianFiles();
        var train = IdxFile.Read(Path.Combine(Idx, "train-labels-idx1-ubyte.gz"), 1);
        Assert.Equal(60000, train.Items);
        Assert.Equal(new byte[] { 9, 0, 0, 3, 0, 2, 7, 2, 5, 5 }, train.Data[..10]); // image 0 is an ankle boot
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(6000, train.Data.Count(l => l == c)));
        var test = IdxFile.Read(Path.Combine(Idx, "t10k-labels-idx1-ubyte.gz"), 1);
        Assert.Equal(new byte[] { 9, 2, 1, 1, 6, 1, 4, 6, 5, 7 }, test.Data[..10]);
    }

    [Fact]
    public void Import_puts_every_image_in_its_labels_folder_and_holds_out_validation_per_class()
    {
        RequireDebianFiles();
        using var dir = new TempFolder();
        var result = new FashionMnistImporter { Limit = 500, ValidationFraction = 0.2, Seed = 3 }.Run(Idx, dir["fm"]);
        Assert.Equal(500, result.Train + result.Validation);
        Assert.Equal(500, result.Test);

        var labels = IdxFile.Read(Path.Combine(Idx, "train-labels-idx1-ubyte.gz"), 1, 500).Data;
        var images = IdxFile.Read(Path.Combine(Idx, "train-images-idx3-ubyte.gz"), 3, 500);
        var placed = new Dictionary<int, (string Split, int Label)>();
        foreach (var split in new[] { "train", "val" })
        {
            var classes = ImageFolderLayout.ClassNames(dir[$"fm/{split}"]);
            Assert.Equal(FashionMnistImporter.ClassFolders, classes); // sorted folder order is label order
            for (int c = 0; c < classes.Length; c++)
                foreach (var f in Directory.GetFiles(Path.Combine(dir[$"fm/{split}"], classes[c])))
                    placed.Add(int.Parse(Path.GetFileNameWithoutExtension(f)), (split, c));
        }
        Assert.Equal(500, placed.Count);
        for (int i = 0; i < 500; i++) Assert.Equal(labels[i], placed[i].Label);
        Assert.Equal(9, placed[0].Label);
        Assert.Equal("9_Ankle_boot", FashionMnistImporter.ClassFolders[placed[0].Label]);
        // A fifth of each class went to val.
        for (int c = 0; c < 10; c++)
        {
            int inClass = labels.Count(l => l == c);
            Assert.Equal((int)Math.Round(inClass * 0.2), placed.Values.Count(p => p.Label == c && p.Split == "val"));
        }
        // Pixels are the IDX bytes.
        var (split0, label0) = placed[0];
        using var png = Image.Load<L8>(dir[$"fm/{split0}/{FashionMnistImporter.ClassFolders[label0]}/00000.png"]);
        var pixels = new byte[28 * 28];
        png.CopyPixelDataTo(pixels);
        Assert.Equal(images.Data[..784], pixels);
        Assert.Equal(500, Directory.GetFiles(dir["fm/test"], "*.png", SearchOption.AllDirectories).Length);
    }

    [Fact]
    public void Imported_fashion_mnist_prepares_to_rgb_with_the_right_labels()
    {
        RequireDebianFiles();
        using var dir = new TempFolder();
        new FashionMnistImporter { Limit = 60, ValidationFraction = 0 }.Run(Idx, dir["fm"]);
        var summary = new DatasetPreparer(new PrepareSettings(Size: 36, ShardImages: 16), 2).Run(dir["fm"], dir["out"]);
        Assert.Equal(60, summary.Splits["train"].Stored);
        Assert.Equal(60, summary.Splits["train"].Converted); // every one: grayscale → RGB
        using var train = PreparedDataset.Open(dir["out"], "train");
        var labels = IdxFile.Read(Path.Combine(Idx, "train-labels-idx1-ubyte.gz"), 1, 60).Data;
        Assert.Equal(labels.Select(l => (int)l).Order(), Enumerable.Range(0, 60).Select(train.Label).Order());
        var samples = File.ReadAllLines(PreparedLayout.Samples(train.Directory)).Skip(1).Select(l => l.Split('\t'));
        foreach (var s in samples) Assert.Equal(labels[int.Parse(Path.GetFileNameWithoutExtension(s[2]))], int.Parse(s[1]));
        Assert.True(Directory.Exists(dir["out/test"]));
    }

    [Fact]
    public void Corrupt_idx_files_are_refused_with_the_file_and_what_was_expected()
    {
        RequireDebianFiles();
        using var dir = new TempFolder();
        byte[] labels, images;
        using (var gz = new GZipStream(File.OpenRead(Path.Combine(Idx, "t10k-labels-idx1-ubyte.gz")), CompressionMode.Decompress))
        using (var ms = new MemoryStream()) { gz.CopyTo(ms); labels = ms.ToArray(); }
        using (var gz = new GZipStream(File.OpenRead(Path.Combine(Idx, "t10k-images-idx3-ubyte.gz")), CompressionMode.Decompress))
        using (var ms = new MemoryStream()) { gz.CopyTo(ms); images = ms.ToArray(); }

        string Write(string name, byte[] bytes) { var p = dir[name]; File.WriteAllBytes(p, bytes); return p; }
        var badMagic = (byte[])labels.Clone(); badMagic[2] = 0x0D;
        var e1 = Assert.Throws<DataFormatException>(() => IdxFile.Read(Write("magic", badMagic), 1));
        Assert.Contains(dir["magic"], e1.Message);
        Assert.Contains("expected 00000801", e1.Message);

        var e2 = Assert.Throws<DataFormatException>(() => IdxFile.Read(Write("short", images[..50_000]), 3));
        Assert.Contains("truncated", e2.Message);
        Assert.Contains("10000 items of 784 bytes", e2.Message);

        var e3 = Assert.Throws<DataFormatException>(() => IdxFile.Read(Write("rank", images), 1));
        Assert.Contains("expected 00000801", e3.Message);

        var e4 = Assert.Throws<DataFormatException>(() => IdxFile.Read(Write("long", labels.Concat(new byte[] { 1, 2 }).ToArray()), 1));
        Assert.Contains("dimension mismatch", e4.Message);

        var e5 = Assert.Throws<DataFormatException>(() => IdxFile.Read(Write("tiny", new byte[] { 0, 0 }), 1));
        Assert.Contains("truncated", e5.Message);

        // A folder whose label count disagrees with its image count.
        Directory.CreateDirectory(dir["idx"]);
        File.Copy(Path.Combine(Idx, "train-images-idx3-ubyte.gz"), dir["idx/train-images-idx3-ubyte.gz"]);
        File.Copy(Path.Combine(Idx, "train-labels-idx1-ubyte.gz"), dir["idx/train-labels-idx1-ubyte.gz"]);
        File.WriteAllBytes(dir["idx/t10k-images-idx3-ubyte"], images);
        var fewer = (byte[])labels[..(8 + 9000)].Clone(); fewer[6] = 0x23; fewer[7] = 0x28; // 9000 labels
        File.WriteAllBytes(dir["idx/t10k-labels-idx1-ubyte"], fewer);
        var e6 = Assert.Throws<DataFormatException>(() => new FashionMnistImporter { Limit = 10 }.Run(dir["idx"], dir["out"]));
        Assert.Contains("dimension mismatch: 9000 labels for 10000 images", e6.Message);
        Assert.Contains(dir["idx/t10k-labels-idx1-ubyte"], e6.Message);
    }
}
