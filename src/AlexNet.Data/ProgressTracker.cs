namespace AlexNet.Data;

/// <summary>Thread-safe counters behind <see cref="PrepareProgress"/> reports.</summary>
internal sealed class ProgressTracker(IProgress<PrepareProgress>? sink, long imagesTotal, int shardsTotal)
{
    private long _images, _skipped, _converted;
    private int _shards;

    public void Image(ConversionAction action)
    {
        if (action == ConversionAction.Skipped) Interlocked.Increment(ref _skipped);
        if (action == ConversionAction.Converted) Interlocked.Increment(ref _converted);
        Interlocked.Increment(ref _images);
        Report();
    }

    /// <summary>A shard kept from an earlier run: its images count as done.</summary>
    public void Reused(ShardRecord record)
    {
        Interlocked.Add(ref _images, record.Sources.Length);
        Interlocked.Add(ref _skipped, record.Report.Count(r => r.Action == "skipped"));
        Interlocked.Add(ref _converted, record.Report.Count(r => r.Action == "converted"));
    }

    public void ShardDone()
    {
        Interlocked.Increment(ref _shards);
        Report();
    }

    private void Report() => sink?.Report(new PrepareProgress(Volatile.Read(ref _images), imagesTotal, Volatile.Read(ref _shards), shardsTotal, Volatile.Read(ref _skipped), Volatile.Read(ref _converted)));
}
