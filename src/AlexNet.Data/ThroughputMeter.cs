using System.Diagnostics;

namespace AlexNet.Data;

/// <summary>Items per second of wall-clock time, and per second of CPU time the whole process used.</summary>
/// <param name="PerCpuSecond">Robust to other programs competing for the cores; includes GC and kernel time.</param>
public readonly record struct Throughput(double PerSecond, double PerCpuSecond);

/// <summary>
/// Measures a piece of work run by W threads at once: a warm-up (so the JIT has optimised the
/// code), then timed rounds that all threads start together; the median round is returned.
/// </summary>
public static class ThroughputMeter
{
    /// <param name="work">Called repeatedly as work(worker, iteration); returns how many items it did.</param>
    public static Throughput Measure(int workers, TimeSpan round, int rounds, Func<int, long, int> work, TimeSpan? warmUp = null)
    {
        if (workers < 1 || rounds < 1) throw new ArgumentOutOfRangeException(nameof(workers));
        Run(workers, warmUp ?? TimeSpan.FromSeconds(1), work);
        var results = Enumerable.Range(0, rounds).Select(_ => Run(workers, round, work)).OrderBy(r => r.PerSecond).ToArray();
        return results[results.Length / 2];
    }

    private static Throughput Run(int workers, TimeSpan duration, Func<int, long, int> work)
    {
        long total = 0;
        using var start = new Barrier(workers + 1);
        var stopwatch = new Stopwatch();
        var threads = Enumerable.Range(0, workers).Select(w => new Thread(() =>
        {
            start.SignalAndWait();
            long items = 0, iteration = 0;
            while (stopwatch.Elapsed < duration) items += work(w, iteration++);
            Interlocked.Add(ref total, items);
        }) { IsBackground = true }).ToList();
        threads.ForEach(t => t.Start());
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        stopwatch.Start();
        start.SignalAndWait();
        threads.ForEach(t => t.Join());
        double wall = stopwatch.Elapsed.TotalSeconds;
        process.Refresh();
        double cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
        return new Throughput(total / wall, total / Math.Max(cpu, 1e-9));
    }
}
