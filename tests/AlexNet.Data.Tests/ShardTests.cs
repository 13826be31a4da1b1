namespace AlexNet.Data.Tests;

public class ShardTests
{
    private static List<(byte[] Rgb, int Label)> RandomRecords(int count, int side, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(i =>
        {
            var b = new byte[side * side * 3];
            rng.NextBytes(b);
            return (b, i % 3);
        }).ToList();
    }

    [Fact]
    public void Raw_records_read_back_bit_exact_in_any_order_and_from_many_threads()
    {
        using var dir = new TempFolder();
        var records = RandomRecords(40, 16, 1);
        SingleShardSplit.Write(dir["train"], 16, new[] { "a", "b", "c" }, records);
        using var data = new PreparedDataset(dir["train"]);
        Assert.Equal(40, data.Count);
        Assert.Equal(16, data.ImageSide);
        Parallel.For(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 4 }, k =>
        {
            int i = (k * 7919) % 40;
            var pixels = new byte[16 * 16 * 3];
            data.ReadPixels(i, pixels);
            Assert.Equal(records[i].Rgb, pixels);
            Assert.Equal(records[i].Label, data.Label(i));
        });
        data.VerifyChecksums();
    }

    [Fact]
    public void A_dataset_spans_shards_including_an_empty_one()
    {
        using var dir = new TempFolder();
        var records = RandomRecords(7, 8, 2);
        var entries = new List<ShardEntry>();
        int[][] parts = { new[] { 0, 1, 2 }, Array.Empty<int>(), new[] { 3, 4, 5, 6 } };
        for (int s = 0; s < parts.Length; s++)
        {
            string file = PreparedLayout.ShardFile(s);
            using var w = new ShardWriter(Path.Combine(dir.Path, file), RecordFormat.Raw, 8);
            foreach (var i in parts[s]) w.Add(records[i].Rgb, records[i].Label);
            var (bytes, sha) = w.Finish();
            Assert.Equal(sha, ShardReader.Sha256(Path.Combine(dir.Path, file)));
            entries.Add(new ShardEntry(file, parts[s].Length, bytes, sha));
        }
        new PreparedIndex(PreparedIndex.CurrentVersion, 8, RecordFormat.Raw, new[] { "a", "b", "c" }, entries.ToArray()).Save(PreparedLayout.Index(dir.Path));
        using var data = new PreparedDataset(dir.Path);
        var pixels = new byte[8 * 8 * 3];
        for (int i = 0; i < 7; i++)
        {
            data.ReadPixels(i, pixels);
            Assert.Equal(records[i].Rgb, pixels);
        }
        Assert.False(File.Exists(Path.Combine(dir.Path, PreparedLayout.ShardFile(0) + ".partial")));
    }

    [Fact]
    public void A_damaged_shard_is_refused_naming_the_file()
    {
        using var dir = new TempFolder();
        SingleShardSplit.Write(dir["train"], 8, new[] { "a", "b", "c" }, RandomRecords(5, 8, 3));
        string shard = Path.Combine(dir["train"], PreparedLayout.ShardFile(0));

        var bytes = File.ReadAllBytes(shard);
        bytes[40] ^= 0xFF; // a pixel: only the checksum can tell
        File.WriteAllBytes(shard, bytes);
        using (var data = new PreparedDataset(dir["train"]))
            Assert.Contains(shard, Assert.Throws<DataFormatException>(() => data.VerifyChecksums()).Message);

        File.WriteAllBytes(shard, bytes[..^10]); // cut short: the trailer is gone
        var e = Assert.Throws<DataFormatException>(() => new PreparedDataset(dir["train"]));
        Assert.Contains(shard, e.Message);
    }

    [Fact]
    public void An_unfinished_writer_leaves_no_shard_behind()
    {
        using var dir = new TempFolder();
        string path = dir["shard-00000.bin"];
        using (var w = new ShardWriter(path, RecordFormat.Raw, 4))
            w.Add(new byte[4 * 4 * 3], 0);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }
}
