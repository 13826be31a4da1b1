using System.Diagnostics;
using AlexNet.Data;

namespace AlexNet.Cli;

/// <summary>
/// Shows prepare progress: a bar redrawn in place on a terminal, a plain line every few seconds
/// when output goes to a file or pipe (logs stay readable). Safe to call from every worker.
/// </summary>
public sealed class ConsoleProgress : IProgress<PrepareProgress>
{
    private readonly object _gate = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly bool _terminal = !Console.IsOutputRedirected;
    private readonly TimeSpan _every;
    private TimeSpan? _last;
    private long _firstImages = -1;
    private bool _drawn;

    public ConsoleProgress() => _every = _terminal ? TimeSpan.FromMilliseconds(200) : TimeSpan.FromSeconds(5);

    public void Report(PrepareProgress p)
    {
        var now = _clock.Elapsed;
        bool last = p.ShardsDone == p.ShardsTotal;
        if (now - _last < _every && !last) return; // null (nothing shown yet) compares false
        lock (_gate)
        {
            if (now - _last < _every && !last) return;
            _last = now;
            if (_firstImages < 0) _firstImages = p.ImagesDone; // images of reused shards do not count toward the rate
            double rate = (p.ImagesDone - _firstImages) / Math.Max(1e-3, now.TotalSeconds);
            double fraction = p.ImagesTotal == 0 ? 1 : (double)p.ImagesDone / p.ImagesTotal;
            string eta = rate > 0 ? TimeSpan.FromSeconds((p.ImagesTotal - p.ImagesDone) / rate).ToString(@"h\:mm\:ss") : "?";
            string text = $"{fraction,4:P0} {p.ImagesDone}/{p.ImagesTotal} images, {p.ShardsDone}/{p.ShardsTotal} shards, {rate:F0} images/s, ETA {eta}, converted {p.Converted}, skipped {p.Skipped}";
            if (_terminal)
            {
                int filled = (int)(fraction * 30);
                Console.Write($"\r[{new string('#', filled)}{new string('.', 30 - filled)}] {text}   ");
                _drawn = true;
            }
            else Console.WriteLine(text);
        }
    }

    /// <summary>Ends the bar's line so that what follows starts on its own.</summary>
    public void Finish()
    {
        lock (_gate) if (_drawn) { Console.WriteLine(); _drawn = false; }
    }
}
