using Xunit;

namespace AlexNet.Cli.Tests;

public sealed class DataCommandsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "alexnet-cli-tests", Guid.NewGuid().ToString("N"));

    public DataCommandsTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void Import_then_prepare_fashion_mnist_gives_shards_statistics_and_a_report()
    {
        string fm = Path.Combine(_dir, "fm"), prepared = Path.Combine(_dir, "prepared");
        var import = AlexNetProcess.Run(TimeSpan.FromMinutes(2), "import", "fashion-mnist", "/usr/share/datasets/fashion-mnist", fm, "--limit", "200");
        Assert.True(import.ExitCode == 0, import.Stderr);
        // 10 % of each class's count among the first 200, rounded per class: 21 in all.
        Assert.Contains("train 179, val 21, test 200 images in 10 classes", import.Stdout);

        var prepare = AlexNetProcess.Run(TimeSpan.FromMinutes(2), "prepare", fm, prepared, "--size", "40", "--shard-images", "64");
        Assert.True(prepare.ExitCode == 0, prepare.Stderr);
        Assert.Contains("train: 179 images stored (179 converted), 0 skipped", prepare.Stdout);
        Assert.Contains("test: 200 images stored", prepare.Stdout);
        foreach (var file in new[] { "statistics.bin", "statistics.json", "classes.txt", "prepare-report.tsv", "train/index.json", "val/index.json", "test/index.json" })
            Assert.True(File.Exists(Path.Combine(prepared, file)), file);
        Assert.Equal("0_T-shirt_top", File.ReadLines(Path.Combine(prepared, "classes.txt")).First());

        // Run again: every shard is kept.
        var again = AlexNetProcess.Run(TimeSpan.FromMinutes(2), "prepare", fm, prepared, "--size", "40", "--shard-images", "64");
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Contains("8 shard(s) kept from an earlier run", again.Stdout); // 3 + 1 + 4 shards of train, val, test
    }

    [Fact]
    public void A_corrupt_idx_file_gives_one_line_naming_it_and_exit_2()
    {
        string idx = Path.Combine(_dir, "idx");
        Directory.CreateDirectory(idx);
        File.WriteAllBytes(Path.Combine(idx, "train-images-idx3-ubyte"), new byte[] { 0, 0, 8, 3, 0, 0, 0, 5, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2, 3 });
        var r = AlexNetProcess.Run(TimeSpan.FromMinutes(2), "import", "fashion-mnist", idx, Path.Combine(_dir, "out"));
        Assert.Equal(2, r.ExitCode);
        var line = Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.Contains(Path.Combine(idx, "train-images-idx3-ubyte"), line);
        Assert.Contains("truncated", line);
    }

    [Fact]
    public void Prepare_without_a_train_folder_or_with_a_bad_format_gives_one_line_and_exit_2()
    {
        var missing = AlexNetProcess.Run(TimeSpan.FromMinutes(2), "prepare", Path.Combine(_dir, "nothing"), Path.Combine(_dir, "out"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains(Path.Combine(_dir, "nothing", "train"), Assert.Single(missing.Stderr.Trim().Split('\n')));

        var format = AlexNetProcess.Run(TimeSpan.FromMinutes(2), "prepare", _dir, Path.Combine(_dir, "out"), "--format", "png");
        Assert.Equal(2, format.ExitCode);
        Assert.Contains("--format", format.Stderr);
    }

    [Fact]
    public void Imagenet_val_sorts_a_flat_folder_by_its_labels_and_prepare_reads_the_result()
    {
        // ImageNet's layout in miniature, with real photos: train/<class>/ and the validation images flat.
        var photos = Directory.GetFiles("/usr/share/backgrounds/mate/nature", "*.jpg").Order(StringComparer.Ordinal).Take(6).ToArray();
        Assert.Equal(6, photos.Length);
        string root = Path.Combine(_dir, "imagenet"), flat = Path.Combine(_dir, "val-flat"), prepared = Path.Combine(_dir, "prepared");
        Directory.CreateDirectory(flat);
        for (int i = 0; i < 4; i++)
        {
            string cls = Path.Combine(root, "train", i % 2 == 0 ? "n01440764" : "n01443537");
            Directory.CreateDirectory(cls);
            File.Copy(photos[i], Path.Combine(cls, $"train_{i}.JPEG"));
        }
        File.Copy(photos[4], Path.Combine(flat, "ILSVRC2012_val_00000001.JPEG"));
        File.Copy(photos[5], Path.Combine(flat, "ILSVRC2012_val_00000002.JPEG"));
        string solution = Path.Combine(_dir, "LOC_val_solution.csv");
        File.WriteAllText(solution, "ImageId,PredictionString\nILSVRC2012_val_00000002,n01440764 1 2 3 4 \nILSVRC2012_val_00000001,n01443537 5 6 7 8 \n");

        var sort = AlexNetProcess.Run(TimeSpan.FromMinutes(2), "import", "imagenet-val", flat, solution, Path.Combine(root, "val"));
        Assert.True(sort.ExitCode == 0, sort.Stderr);
        Assert.Contains("2 images in 2 class folders (2 new hard links, 0 already there)", sort.Stdout);
        Assert.Contains($"classes checked against {Path.Combine(root, "train")}", sort.Stdout);

        var prepare = AlexNetProcess.Run(TimeSpan.FromMinutes(2), "prepare", root, prepared, "--size", "32");
        Assert.True(prepare.ExitCode == 0, prepare.Stderr);
        Assert.Contains("val: 2 images stored", prepare.Stdout);
        // samples.tsv: dataset index, label, source path; labels are the sorted training classes.
        var rows = File.ReadAllLines(Path.Combine(prepared, "val", "samples.tsv")).Select(l => l.Split('\t')).Where(r => r.Length == 3 && r[2].Contains("ILSVRC")).ToArray();
        Assert.Equal(new[] { ("1", "n01443537"), ("0", "n01440764") },
            rows.OrderBy(r => Path.GetFileName(r[2]), StringComparer.Ordinal).Select(r => (r[1], r[2].Split('/')[0])));

        // A class the training set lacks is refused before anything is placed.
        File.WriteAllText(solution, "ILSVRC2012_val_00000001 n99999999\n");
        var unknown = AlexNetProcess.Run(TimeSpan.FromMinutes(2), "import", "imagenet-val", flat, solution, Path.Combine(_dir, "other", "val"),
                                         "--classes", Path.Combine(root, "train"));
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("class n99999999 is not a training class", Assert.Single(unknown.Stderr.Trim().Split('\n')));
    }
}
