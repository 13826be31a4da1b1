namespace AlexNet.Data;

/// <summary>
/// The last step of prepare: from the shard records, each split's index.json and samples.tsv, the
/// report, and removal of shard files no index names (left by an earlier run over other sources).
/// </summary>
internal static class PreparedOutputWriter
{
    public static Dictionary<string, SplitSummary> Write(string output, PrepareSettings settings, string[] classes, IEnumerable<(ImageFolderSplit Split, List<ShardRecord> Records)> splits)
    {
        var summaries = new Dictionary<string, SplitSummary>();
        var report = new List<string> { ReportLine.Header };
        foreach (var (split, records) in splits)
        {
            string dir = PreparedLayout.Split(output, split.Name);
            new PreparedIndex(PreparedIndex.CurrentVersion, settings.Size, settings.Format, classes,
                records.Select(r => new ShardEntry(r.File, r.Count, r.Bytes, r.Sha256)).ToArray()).Save(PreparedLayout.Index(dir));
            var samples = new List<string> { "index\tlabel\tpath" };
            int index = 0;
            foreach (var r in records)
                for (int k = 0; k < r.Count; k++) samples.Add($"{index++}\t{r.Labels[k]}\t{r.Samples[k]}");
            File.WriteAllLines(PreparedLayout.Samples(dir), samples);
            RemoveStaleShards(dir, records.Count);

            var lines = records.SelectMany(r => r.Report).ToList();
            report.AddRange(lines.Select(l => l.ToTsv()));
            report.AddRange(split.Ignored.Select(p => new ReportLine(split.Name, p.Path, "ignored", p.Reason).ToTsv()));
            report.AddRange(split.Unreadable.Select(p => new ReportLine(split.Name, p.Path + "/", "skipped", p.Reason).ToTsv()));
            report.AddRange(split.EmptyClasses.Select(c => new ReportLine(split.Name, c + "/", "empty",
                $"class folder without images: class {c} has no {split.Name} images").ToTsv()));
            summaries[split.Name] = new SplitSummary(index, lines.Count(l => l.Action == "converted"), lines.Count(l => l.Action == "skipped"), split.Ignored.Count,
                split.EmptyClasses.Count, split.Unreadable.Count);
        }
        File.WriteAllLines(PreparedLayout.Report(output), report);
        return summaries;
    }

    private static void RemoveStaleShards(string dir, int shards)
    {
        var current = Enumerable.Range(0, shards).SelectMany(s => new[] { PreparedLayout.ShardFile(s), PreparedLayout.ShardRecordFile(s) }).ToHashSet();
        foreach (var file in Directory.GetFiles(dir, "shard-*"))
            if (!current.Contains(Path.GetFileName(file))) File.Delete(file);
    }
}
