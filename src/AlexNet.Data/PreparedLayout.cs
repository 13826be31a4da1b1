namespace AlexNet.Data;

/// <summary>
/// Where `alexnet prepare` puts things in its output folder OUT:
/// <code>
/// OUT/prepare.json          the settings it ran with (a resumed run must use the same)
/// OUT/classes.txt           class names, one per line; line i is label i
/// OUT/statistics.bin        training-set mean image and RGB eigen-decomposition (StatisticsFile)
/// OUT/statistics.json       the same figures, less the mean image, for people
/// OUT/prepare-report.tsv    every converted, skipped or ignored file, with the reason
/// OUT/SPLIT/index.json      shard list with counts, sizes and SHA-256 (SPLIT = train, val, test)
/// OUT/SPLIT/samples.tsv     dataset index, label, source path
/// OUT/SPLIT/shard-NNNNN.bin shards (ShardLayout), with shard-NNNNN.json: what resuming needs
/// </code>
/// </summary>
public static class PreparedLayout
{
    public static string Settings(string root) => Path.Combine(root, "prepare.json");
    public static string Classes(string root) => Path.Combine(root, "classes.txt");
    public static string Statistics(string root) => Path.Combine(root, "statistics.bin");
    public static string StatisticsSummary(string root) => Path.Combine(root, "statistics.json");
    public static string Report(string root) => Path.Combine(root, "prepare-report.tsv");
    public static string Split(string root, string split) => Path.Combine(root, split);
    public static string Index(string splitDirectory) => Path.Combine(splitDirectory, "index.json");
    public static string Samples(string splitDirectory) => Path.Combine(splitDirectory, "samples.tsv");
    public static string ShardFile(int shard) => $"shard-{shard:D5}.bin";
    public static string ShardRecordFile(int shard) => $"shard-{shard:D5}.json";
}
