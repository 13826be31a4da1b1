namespace AlexNet.Data;

/// <summary>
/// Writes prepared records to a one-shard split folder (index.json beside it), so that a set of
/// images made in memory (by the benchmark, by tests) is read back through the real shard reader.
/// </summary>
public static class SingleShardSplit
{
    public static void Write(string splitDirectory, int side, IReadOnlyList<string> classes, IEnumerable<(byte[] Rgb, int Label)> records)
    {
        Directory.CreateDirectory(splitDirectory);
        string file = PreparedLayout.ShardFile(0);
        long bytes;
        string sha;
        int count = 0;
        using (var writer = new ShardWriter(Path.Combine(splitDirectory, file), RecordFormat.Raw, side))
        {
            foreach (var (rgb, label) in records) { writer.Add(rgb, label); count++; }
            (bytes, sha) = writer.Finish();
        }
        new PreparedIndex(PreparedIndex.CurrentVersion, side, RecordFormat.Raw, classes.ToArray(), new[] { new ShardEntry(file, count, bytes, sha) })
            .Save(PreparedLayout.Index(splitDirectory));
    }
}
