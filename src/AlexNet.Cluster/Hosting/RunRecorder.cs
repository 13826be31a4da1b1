using System.Diagnostics;
using System.Text.Json;
using AlexNet.Actors.Protocol;
using AlexNet.Cluster.Wire;

namespace AlexNet.Cluster.Hosting;

/// <summary>One step's completion as the coordinator's node saw it, with the bytes this process had moved by then.</summary>
public sealed record StepPoint(long Step, double Seconds, float Loss, double ImagesPerSecond, long WireBytes);

/// <summary>A coordinator started training from <paramref name="FromStep"/> (0, or a checkpoint's step after a recovery).</summary>
public sealed record StartPoint(double Seconds, long FromStep);

/// <summary>A notice with the time it arrived.</summary>
public sealed record NoticePoint(double Seconds, string Message, bool IsError);

/// <summary>
/// What `alexnet node --report FILE` writes on the coordinator's node when the run ends: the
/// outcome, every logged step with its time, the notices, and the bytes this process moved
/// through Akka.Remote and through the data channel. <see cref="StepTimes"/> holds each logged step
/// once, in step order: after a recovery the steps trained again replace those rolled back.
/// <see cref="Losses"/> are the last coordinator's (every step from where it started); <see cref="Starts"/>
/// says when each coordinator started and from which step.
/// </summary>
public sealed record RunReport(bool Succeeded, string Summary, long Steps, IReadOnlyList<float> Losses, IReadOnlyList<StepPoint> StepTimes,
    IReadOnlyList<NoticePoint> Notices, double Seconds, long AkkaBytesOut, long AkkaBytesIn, long ChannelBytesOut, long ChannelBytesIn,
    IReadOnlyList<StartPoint> Starts)
{
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true };
    public void Write(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, JsonSerializer.Serialize(this, Json));
    }
    public static RunReport Read(string path) => JsonSerializer.Deserialize<RunReport>(File.ReadAllText(path), Json)!;
}

/// <summary>Collects a run's events into a <see cref="RunReport"/> (thread-safe).</summary>
public sealed class RunRecorder
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly WireMeter.Reading _start = WireMeter.Read();
    private readonly List<StepPoint> _steps = new();
    private readonly List<NoticePoint> _notices = new();
    private readonly List<StartPoint> _starts = new();
    private readonly object _gate = new();
    private object? _outcome;

    public void Record(object e)
    {
        lock (_gate)
        {
            switch (e)
            {
                case StepCompleted s:
                    _steps.Add(new StepPoint(s.Step, _clock.Elapsed.TotalSeconds, s.Loss, s.ImagesPerSecond, (WireMeter.Read() - _start).Total));
                    break;
                case TrainingStarted t:
                    _steps.RemoveAll(p => p.Step >= t.FromStep); // rolled back: these steps will be trained again
                    _starts.Add(new StartPoint(_clock.Elapsed.TotalSeconds, t.FromStep));
                    break;
                case RunNotice n: _notices.Add(new NoticePoint(_clock.Elapsed.TotalSeconds, n.Message, n.IsError)); break;
                case TrainingFinished or TrainingFailed: _outcome = e; break;
            }
        }
    }

    public RunReport Report()
    {
        lock (_gate)
        {
            var wire = WireMeter.Read() - _start;
            var (ok, summary, steps, losses) = _outcome switch
            {
                TrainingFinished f => (true, $"finished after {f.Steps} steps", f.Steps, f.Losses),
                TrainingFailed f => (false, f.Reason, _steps.Count, (IReadOnlyList<float>)_steps.Select(s => s.Loss).ToList()),
                _ => (false, "the run did not end", _steps.Count, _steps.Select(s => s.Loss).ToList()),
            };
            return new RunReport(ok, summary, steps, losses.ToList(), _steps.ToList(), _notices.ToList(), _clock.Elapsed.TotalSeconds,
                wire.AkkaOut, wire.AkkaIn, wire.ChannelOut, wire.ChannelIn, _starts.ToList());
        }
    }
}
