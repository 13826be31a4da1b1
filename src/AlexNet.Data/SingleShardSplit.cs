namespace AlexNet.Data;

/// <summary>
/// Writes prepared records to a one-shard split folder (index.json beside it), so that a set of
/// images made in memory (by the benchmarks, by tests) is read back through the real shard reader.
/// </summary>
public static class SingleShardSplit
{
    /// <param name="records">Each record's payload as <paramref name="format"/> says (raw RGB bytes or an encoded JPEG) and its label.</param>
    public static void Write(string splitDirectory, int side, IReadOnlyList<string> classes, IEnumerable<(byte[] Payload, int Label)> records,
        RecordFormat format = RecordFormat.Raw)
    {
        Directory.CreateDirectory(splitDirectory);
        string file = PreparedLayout.ShardFile(0);
        long bytes;
        string sha;
        int count = 0;
        using (var writer = new ShardWriter(Path.Combine(splitDirectory, file), format, side))
        {
            foreach (var (payload, label) in records) { writer.Add(payload, label); count++; }
            (bytes, sha) = writer.Finish();
        }
        new PreparedIndex(PreparedIndex.CurrentVersion, side, format, classes.ToArray(), new[] { new ShardEntry(file, count, bytes, sha) })
            .Save(PreparedLayout.Index(splitDirectory));
    }
}
