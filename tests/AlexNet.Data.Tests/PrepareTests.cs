namespace AlexNet.Data.Tests;

/// <summary>`prepare` end to end on real photographs, and its resume after an interruption.</summary>
public class PrepareTests
{
    /// <summary>An ImageNet-layout folder of real photos at ImageNet size: 3 classes, train and val.</summary>
    private static void MakeSource(string root)
    {
        var jpegs = MatePhotos.Jpegs;
        string[] classes = { "n02", "n01", "n10" }; // deliberately not created in sorted order
        for (int i = 0; i < 9; i++)
        {
            string dir = Path.Combine(root, "train", classes[i % 3]);
            Directory.CreateDirectory(dir);
            File.WriteAllBytes(Path.Combine(dir, $"img{i}.JPEG"), MatePhotos.Small(jpegs[i % jpegs.Count], 200 + 10 * i));
        }
        for (int i = 0; i < 3; i++)
        {
            string dir = Path.Combine(root, "val", classes[i]);
            Directory.CreateDirectory(dir);
            File.WriteAllBytes(Path.Combine(dir, $"v{i}.jpg"), MatePhotos.Small(jpegs[(i + 9) % jpegs.Count], 240));
        }
        // One real PNG photograph too.
        File.Copy(MatePhotos.Pngs.First(p => p.Contains("Stripes")), Path.Combine(root, "train", "n01", "stripes.png"));
        File.WriteAllText(Path.Combine(root, "train", "n01", "notes.txt"), "not an image");
    }

    private static readonly PrepareSettings Small = new(Size: 48, ShardImages: 3);

    [Fact]
    public void Prepares_real_photos_with_sorted_labels_statistics_and_an_index()
    {
        using var dir = new TempFolder();
        MakeSource(dir["src"]);
        var summary = new DatasetPreparer(Small, workers: 2).Run(dir["src"], dir["out"]);

        Assert.Equal(new[] { "n01", "n02", "n10" }, File.ReadAllLines(PreparedLayout.Classes(dir["out"])));
        Assert.Equal(10, summary.Splits["train"].Stored);
        Assert.Equal(3, summary.Splits["val"].Stored);
        Assert.Equal(1, summary.Splits["train"].Ignored);
        using var train = PreparedDataset.Open(dir["out"], "train");
        using var val = PreparedDataset.Open(dir["out"], "val");
        train.VerifyChecksums();
        Assert.Equal(new[] { "n01", "n02", "n10" }, train.ClassNames);
        // samples.tsv names each record's source; its folder must be the label's class.
        var samples = File.ReadAllLines(PreparedLayout.Samples(train.Directory)).Skip(1).Select(l => l.Split('\t')).ToList();
        Assert.Equal(train.Count, samples.Count);
        foreach (var s in samples) Assert.Equal(train.ClassNames[train.Label(int.Parse(s[0]))], s[2].Split('/')[0]);
        Assert.Equal(new[] { 0, 1, 2 }, Enumerable.Range(0, 3).Select(val.Label));
        // Stored records are bit for bit what the converter makes of each source file.
        var converter = new SourceImageConverter(48);
        foreach (var s in samples.Where((_, k) => k % 3 == 0))
        {
            var expected = new byte[48 * 48 * 3]; var stored = new byte[48 * 48 * 3];
            Assert.True(converter.Convert(File.ReadAllBytes(Path.Combine(dir["src"], "train", s[2])), expected).Stored);
            train.ReadPixels(int.Parse(s[0]), stored);
            Assert.Equal(expected, stored);
        }

        // The stored statistics are those of the stored training images (two-pass, in double).
        var stats = StatisticsFile.Load(PreparedLayout.Statistics(dir["out"]), out long count);
        Assert.Equal(10, count);
        var images = Enumerable.Range(0, train.Count).Select(i => { var b = new byte[48 * 48 * 3]; train.ReadPixels(i, b); return b; }).ToList();
        int plane = 48 * 48;
        for (int p = 0; p < plane; p += 97)
            for (int c = 0; c < 3; c++)
                Assert.Equal(images.Average(b => (double)b[3 * p + c]), stats.MeanImage[c * plane + p], tolerance: 1e-3);
        var mu = Enumerable.Range(0, 3).Select(c => images.Average(b => Enumerable.Range(0, plane).Average(p => b[3 * p + c] / 255.0))).ToArray();
        double varianceR = images.Sum(b => Enumerable.Range(0, plane).Sum(p => Math.Pow(b[3 * p] / 255.0 - mu[0], 2))) / (images.Count * plane);
        double trace = images.Sum(b => Enumerable.Range(0, plane).Sum(p => Enumerable.Range(0, 3).Sum(c => Math.Pow(b[3 * p + c] / 255.0 - mu[c], 2)))) / (images.Count * plane);
        Assert.Equal(trace, stats.Eigenvalues.Sum(), tolerance: 1e-10);
        Assert.True(stats.Eigenvalues[0] > varianceR, "the first component carries more than the red variance alone");
        Assert.True(stats.Eigenvectors[0] > 0 && stats.Eigenvectors[3] > 0 && stats.Eigenvectors[6] > 0, "photographs: first component is brightness");
    }

    [Fact]
    public void An_interrupted_prepare_resumes_to_the_same_output_as_an_uninterrupted_one()
    {
        using var dir = new TempFolder();
        MakeSource(dir["src"]);
        new DatasetPreparer(Small, workers: 1).Run(dir["src"], dir["whole"]);

        // Stop after two shards; leave a half-written shard as a kill would, and damage a finished one.
        using var cancel = new CancellationTokenSource();
        var stopAfterTwo = new Progress(p => { if (p.ShardsDone >= 2) cancel.Cancel(); });
        Assert.Throws<OperationCanceledException>(() => new DatasetPreparer(Small, workers: 1).Run(dir["src"], dir["resumed"], stopAfterTwo, cancel.Token));
        string trainOut = Path.Combine(dir["resumed"], "train");
        Assert.True(File.Exists(Path.Combine(trainOut, PreparedLayout.ShardRecordFile(1))));
        Assert.False(File.Exists(Path.Combine(trainOut, PreparedLayout.ShardRecordFile(2))));
        Assert.False(File.Exists(PreparedLayout.Statistics(dir["resumed"])));
        File.WriteAllBytes(Path.Combine(trainOut, PreparedLayout.ShardFile(2) + ".partial"), new byte[1000]);

        var summary = new DatasetPreparer(Small, workers: 2).Run(dir["src"], dir["resumed"]);
        Assert.Equal(2, summary.ShardsReused);
        var whole = Files(dir["whole"]);
        var resumed = Files(dir["resumed"]);
        Assert.Equal(whole.Keys, resumed.Keys);
        foreach (var (name, bytes) in whole) Assert.True(bytes.SequenceEqual(resumed[name]), $"{name} differs after resuming");

        // A shard damaged after the fact is found by its checksum and rebuilt.
        string shard0 = Path.Combine(trainOut, PreparedLayout.ShardFile(0));
        var damaged = File.ReadAllBytes(shard0);
        damaged[100] ^= 0x55;
        File.WriteAllBytes(shard0, damaged);
        const int shards = 5; // train: 10 images in shards of 3; val: 3 images
        Assert.Equal(shards - 1, new DatasetPreparer(Small, workers: 2).Run(dir["src"], dir["resumed"]).ShardsReused);
        Assert.Equal(whole[Path.Combine("train", PreparedLayout.ShardFile(0))], File.ReadAllBytes(shard0));
    }

    [Fact]
    public void Jpeg_records_read_back_close_to_raw_ones_and_other_settings_are_refused_on_resume()
    {
        using var dir = new TempFolder();
        MakeSource(dir["src"]);
        new DatasetPreparer(Small, 2).Run(dir["src"], dir["raw"]);
        new DatasetPreparer(Small with { Format = RecordFormat.Jpeg, Quality = 95 }, 2).Run(dir["src"], dir["jpeg"]);
        using var raw = PreparedDataset.Open(dir["raw"], "train");
        using var jpeg = PreparedDataset.Open(dir["jpeg"], "train");
        Assert.Equal(RecordFormat.Jpeg, jpeg.Format);
        Assert.Equal(raw.Count, jpeg.Count);
        var a = new byte[48 * 48 * 3]; var b = new byte[48 * 48 * 3];
        for (int i = 0; i < raw.Count; i++)
        {
            raw.ReadPixels(i, a); jpeg.ReadPixels(i, b);
            Assert.Equal(raw.Label(i), jpeg.Label(i));
            Assert.True(a.Zip(b, (x, y) => Math.Abs(x - y)).Average() < 6, $"record {i}: JPEG far from raw");
        }
        var e = Assert.Throws<DataFormatException>(() => new DatasetPreparer(Small with { Size = 64 }, 2).Run(dir["src"], dir["raw"]));
        Assert.Contains("prepare.json", e.Message);
        Assert.Contains("(size 48 there, 64 now)", e.Message); // the setting that differs, not the whole file
    }

    [Fact]
    public void A_source_without_train_is_refused_naming_the_folder()
    {
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir["src/val/a"]);
        var e = Assert.Throws<DataFormatException>(() => new DatasetPreparer(Small, 1).Run(dir["src"], dir["out"]));
        Assert.Contains(Path.Combine(dir["src"], "train"), e.Message);
    }

    [Fact]
    public void Rerun_after_a_source_was_removed_redoes_changed_shards_and_drops_stale_ones()
    {
        using var dir = new TempFolder();
        MakeSource(dir["src"]);
        new DatasetPreparer(Small, 2).Run(dir["src"], dir["out"]);
        string train = Path.Combine(dir["out"], "train");
        Assert.True(File.Exists(Path.Combine(train, PreparedLayout.ShardFile(3))));
        File.Delete(Path.Combine(dir["src"], "train", "n01", "stripes.png")); // 9 training images: 3 shards
        var summary = new DatasetPreparer(Small, 2).Run(dir["src"], dir["out"]);
        Assert.Equal(9, summary.Splits["train"].Stored);
        Assert.False(File.Exists(Path.Combine(train, PreparedLayout.ShardFile(3))));
        Assert.False(File.Exists(Path.Combine(train, PreparedLayout.ShardRecordFile(3))));
        using var data = new PreparedDataset(train);
        Assert.Equal(9, data.Count);
        data.VerifyChecksums();
        StatisticsFile.Load(PreparedLayout.Statistics(dir["out"]), out long count);
        Assert.Equal(9, count);
    }

    [Fact]
    public void A_validation_class_that_is_not_a_training_class_is_refused()
    {
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir["src/train/cat"]);
        Directory.CreateDirectory(dir["src/val/dog"]);
        var e = Assert.Throws<DataFormatException>(() => new DatasetPreparer(Small, 1).Run(dir["src"], dir["out"]));
        Assert.Contains(Path.Combine(dir["src"], "val", "dog"), e.Message);
    }

    private static Dictionary<string, byte[]> Files(string root) =>
        Directory.GetFiles(root, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(root, f), File.ReadAllBytes);

    // Reports synchronously on the worker thread, unlike System.Progress, so the stop is exact.
    private sealed class Progress(Action<PrepareProgress> report) : IProgress<PrepareProgress>
    {
        public void Report(PrepareProgress value) => report(value);
    }
}
