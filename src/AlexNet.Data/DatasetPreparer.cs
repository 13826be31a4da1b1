using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;

namespace AlexNet.Data;

/// <summary>
/// `alexnet prepare`: turns an ImageNet-layout folder into shards of side×side images, computing the
/// training statistics in the same pass. Shards are independent jobs taken by one worker per core;
/// each is written under a temporary name, renamed when whole, and recorded in a small JSON file.
/// Run again after a kill, it keeps every recorded shard whose checksum still matches (folding
/// its images into the statistics by reading it back) and redoes the rest, so the output is the
/// same as an uninterrupted run's.
/// </summary>
public sealed class DatasetPreparer
{
    private sealed record Job(ImageFolderSplit Split, int Shard, SourceImage[] Images);

    private readonly PrepareSettings _settings;
    private readonly SourceImageConverter _converter;
    private readonly int _workers;

    public DatasetPreparer(PrepareSettings settings, int workers)
    {
        _settings = settings.Validate();
        if (workers < 1) throw new DataFormatException($"workers {workers}: expected at least 1");
        _workers = workers;
        _converter = new SourceImageConverter(settings.Size, settings.MaxPixels);
    }

    public PrepareSummary Run(string source, string output, IProgress<PrepareProgress>? progress = null, CancellationToken cancel = default)
    {
        var started = DateTime.UtcNow;
        CheckOutputFolder(source, output);
        var classes = ImageFolderLayout.ClassNames(Path.Combine(source, "train"));
        var splits = ImageFolderLayout.SplitNames
            .Where(s => Directory.Exists(Path.Combine(source, s)))
            .Select(s => ImageFolderLayout.Scan(source, s, classes))
            .ToList();
        try { Directory.CreateDirectory(output); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException($"{output}: cannot create the output folder ({e.Message})");
        }
        CheckOrRecordSettings(output, classes);

        var jobs = new List<Job>();
        foreach (var split in splits)
        {
            Directory.CreateDirectory(PreparedLayout.Split(output, split.Name));
            for (int shard = 0; shard * _settings.ShardImages < split.Images.Count; shard++)
                jobs.Add(new Job(split, shard, split.Images.Skip(shard * _settings.ShardImages).Take(_settings.ShardImages).ToArray()));
        }
        var records = new ShardRecord[jobs.Count];
        var tracker = new ProgressTracker(progress, splits.Sum(s => (long)s.Images.Count), jobs.Count);
        var accumulators = new StatisticsAccumulator[_workers];
        int next = -1, reused = 0;
        Exception? failure = null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var threads = Enumerable.Range(0, _workers).Select(w => new Thread(() =>
        {
            try { Work(w); }
            catch (Exception e)
            {
                // An I/O failure of ours (disk full...), not bad input: stop everyone and rethrow.
                Interlocked.CompareExchange(ref failure, e, null);
                stop.Cancel();
            }
        }) { IsBackground = true, Name = $"prepare-{w}" }).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        cancel.ThrowIfCancellationRequested();

        void Work(int w)
        {
            var token = stop.Token;
            var statistics = accumulators[w] = new StatisticsAccumulator(_settings.Size);
            var square = new byte[_settings.Size * _settings.Size * 3];
            int j;
            while (!token.IsCancellationRequested && (j = Interlocked.Increment(ref next)) < jobs.Count)
            {
                var job = jobs[j];
                var sink = job.Split.Name == "train" ? statistics : null;
                var kept = Reuse(output, job, sink, square);
                if (kept is not null) { Interlocked.Increment(ref reused); tracker.Reused(kept); }
                else kept = Write(output, job, sink, square, tracker, token);
                if (kept is null) break; // cancelled mid-shard
                records[j] = kept;
                tracker.ShardDone();
            }
        }

        var total = new StatisticsAccumulator(_settings.Size);
        foreach (var a in accumulators) total.Merge(a);
        if (total.ImageCount == 0) throw new DataFormatException($"{Path.Combine(source, "train")}: no usable training image (see {PreparedLayout.Report(output)})");
        var statistics = total.ToStatistics();
        StatisticsFile.Save(PreparedLayout.Statistics(output), statistics, total.ImageCount);
        StatisticsFile.SaveSummary(PreparedLayout.StatisticsSummary(output), statistics, total.ImageCount);
        var perSplit = splits.Select(split => (split, jobs.Select((job, j) => (job, j)).Where(p => p.job.Split == split).Select(p => records[p.j]).ToList()));
        var summaries = PreparedOutputWriter.Write(output, _settings, classes, perSplit);
        return new PrepareSummary(summaries, reused, DateTime.UtcNow - started, statistics, Warnings(splits));
    }

    /// <summary>An empty or unreadable class folder does not stop the run, but is almost certainly a mistake.</summary>
    private static List<string> Warnings(IEnumerable<ImageFolderSplit> splits)
    {
        var warnings = new List<string>();
        foreach (var split in splits)
        {
            foreach (var (folder, reason) in split.Unreadable)
                warnings.Add($"{Path.Combine(split.Directory, folder)}: {reason}; its images are left out, class {folder} has no {split.Name} images");
            foreach (var c in split.EmptyClasses)
                warnings.Add($"{Path.Combine(split.Directory, c)}: empty class folder; class {c} has no {split.Name} images");
        }
        return warnings;
    }

    /// <summary>
    /// The output must be a folder outside the source: inside it, prepare would write shards among
    /// the images it reads (and a second run would find them as files of a class).
    /// </summary>
    private static void CheckOutputFolder(string source, string output)
    {
        string Full(string p) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(p)) + Path.DirectorySeparatorChar;
        string src = Full(source), dst = Full(output);
        if (dst == src)
            throw new DataFormatException($"{output}: the output folder is the source folder; choose a folder outside {source}");
        if (dst.StartsWith(src, StringComparison.Ordinal))
            throw new DataFormatException($"{output}: the output folder is inside the source folder {source}; choose a folder outside it");
        if (File.Exists(output))
            throw new DataFormatException($"{output}: is a file (expected the output folder, made if missing)");
    }

    private void CheckOrRecordSettings(string output, string[] classes)
    {
        string settingsPath = PreparedLayout.Settings(output), classesPath = PreparedLayout.Classes(output);
        var settingsText = System.Text.Json.JsonSerializer.Serialize(_settings, JsonFiles.Options);
        var classesText = string.Join("\n", classes) + "\n";
        if (File.Exists(settingsPath) && File.ReadAllText(settingsPath).Trim() != settingsText.Trim())
            throw new DataFormatException($"{settingsPath}: this folder was prepared with other settings ({SettingsDifference(File.ReadAllText(settingsPath), settingsText)}); use another output folder or the same settings");
        if (File.Exists(classesPath) && File.ReadAllText(classesPath) != classesText)
            throw new DataFormatException($"{classesPath}: this folder was prepared from other classes; use another output folder");
        File.WriteAllText(settingsPath, settingsText + "\n");
        File.WriteAllText(classesPath, classesText);
    }

    /// <summary>
    /// Which recorded settings differ, as `size 256 there, 128 now` (the JSON names, values as
    /// written); the recorded text on one line where it cannot be compared field by field.
    /// </summary>
    internal static string SettingsDifference(string recorded, string now)
    {
        try
        {
            using var before = System.Text.Json.JsonDocument.Parse(recorded);
            using var after = System.Text.Json.JsonDocument.Parse(now);
            var wanted = after.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetRawText(), StringComparer.Ordinal);
            var had = before.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetRawText(), StringComparer.Ordinal);
            var differences = wanted.Keys.Union(had.Keys)
                .Where(k => !had.TryGetValue(k, out var h) || !wanted.TryGetValue(k, out var w) || h != w)
                .Select(k => $"{k} {(had.TryGetValue(k, out var h) ? h.Trim('"') : "(none)")} there, {(wanted.TryGetValue(k, out var w) ? w.Trim('"') : "(none)")} now")
                .ToList();
            if (differences.Count > 0) return string.Join("; ", differences);
        }
        catch (System.Text.Json.JsonException) { }
        catch (InvalidOperationException) { } // not a JSON object
        return recorded.ReplaceLineEndings(" ").Trim();
    }

    /// <summary>The shard's record if the shard on disk is complete, intact and built from the same sources.</summary>
    private static ShardRecord? Reuse(string output, Job job, StatisticsAccumulator? statistics, byte[] square)
    {
        string dir = PreparedLayout.Split(output, job.Split.Name);
        string shardPath = Path.Combine(dir, PreparedLayout.ShardFile(job.Shard)), recordPath = Path.Combine(dir, PreparedLayout.ShardRecordFile(job.Shard));
        if (!File.Exists(shardPath) || !File.Exists(recordPath)) return null;
        ShardRecord record;
        try { record = JsonFiles.Read<ShardRecord>(recordPath); }
        catch (DataFormatException) { return null; }
        if (record.Sources is null || !record.Sources.SequenceEqual(job.Images.Select(i => i.RelativePath))) return null;
        if (ShardReader.Sha256(shardPath) != record.Sha256) return null;
        if (statistics is not null)
        {
            using var reader = new ShardReader(shardPath);
            for (int r = 0; r < reader.Count; r++) { reader.ReadPixels(r, square); statistics.Add(square); }
        }
        return record;
    }

    private ShardRecord? Write(string output, Job job, StatisticsAccumulator? statistics, byte[] square, ProgressTracker tracker, CancellationToken cancel)
    {
        string dir = PreparedLayout.Split(output, job.Split.Name);
        string shardName = PreparedLayout.ShardFile(job.Shard);
        File.Delete(Path.Combine(dir, PreparedLayout.ShardRecordFile(job.Shard)));
        var samples = new List<string>();
        var labels = new List<int>();
        var report = new List<ReportLine>();
        using var writer = new ShardWriter(Path.Combine(dir, shardName), _settings.Format, _settings.Size);
        foreach (var image in job.Images)
        {
            if (cancel.IsCancellationRequested) return null;
            var outcome = ConvertFile(Path.Combine(job.Split.Directory, image.RelativePath), square);
            if (outcome.Action != ConversionAction.Kept) report.Add(new ReportLine(job.Split.Name, image.RelativePath, outcome.Action.ToString().ToLowerInvariant(), outcome.Reason));
            tracker.Image(outcome.Action);
            if (!outcome.Stored) continue;
            if (_settings.Format == RecordFormat.Raw) writer.Add(square, image.Label);
            else writer.Add(EncodeJpeg(square), image.Label);
            statistics?.Add(square);
            samples.Add(image.RelativePath);
            labels.Add(image.Label);
        }
        var (bytes, sha) = writer.Finish();
        var record = new ShardRecord(shardName, samples.Count, bytes, sha, job.Images.Select(i => i.RelativePath).ToArray(), samples.ToArray(), labels.ToArray(), report.ToArray());
        JsonFiles.WriteAtomically(Path.Combine(dir, PreparedLayout.ShardRecordFile(job.Shard)), record);
        return record;
    }

    private ConversionOutcome ConvertFile(string path, byte[] square)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return ConversionOutcome.Skip($"cannot read: {e.Message}"); }
        return _converter.Convert(bytes, square);
    }

    /// <summary>
    /// Encodes a JPEG record and leaves in <paramref name="square"/> what a reader will decode, so
    /// the statistics describe the pixels training sees.
    /// </summary>
    private byte[] EncodeJpeg(byte[] square)
    {
        int side = _settings.Size;
        using var image = Image.LoadPixelData<Rgb24>(ImageSharpSettings.SingleThreaded, square, side, side);
        using var stream = new MemoryStream();
        image.SaveAsJpeg(stream, new JpegEncoder { Quality = _settings.Quality });
        var encoded = stream.ToArray();
        JpegDecoding.DecodeRecord(encoded, square, side); // as the loaders will decode it
        return encoded;
    }
}
