using System.Globalization;
using AlexNet.Actors.Protocol;

namespace AlexNet.Cli.Telemetry;

/// <summary>One row of metrics.csv as the curves need it (<paramref name="Kind"/>: step or epoch).</summary>
public sealed record MetricsRow(string Kind, long Step, double Loss, double Top1, double? ValTop1, double? ValTop5);

/// <summary>
/// metrics.csv: one row per progress report ("step") and per epoch ("epoch"), flushed as written.
/// Empty cells are figures a row does not have (steps have no validation; epochs no single-step loss;
/// only fp16 runs have a loss scale and skipped steps).
/// The step column counts steps done; a run that resumes from the checkpoint of step S keeps the rows
/// up to S and drops the later ones (<see cref="RollBackTo"/>), which it trains and records again: each
/// step is in the file once, however often the run was interrupted.
/// </summary>
public sealed class MetricsCsv : IDisposable
{
    public const string Header = "kind,step,epoch,loss,top1_error,top5_error,val_loss,val_top1_error,val_top5_error,learning_rate,images_per_second,seconds,loss_scale,skipped_steps";
    private StreamWriter _writer;
    public string Path { get; }

    public MetricsCsv(string folder)
    {
        Directory.CreateDirectory(folder);
        Path = System.IO.Path.Combine(folder, "metrics.csv");
        bool fresh = !File.Exists(Path) || new FileInfo(Path).Length == 0;
        // A resumed run appends to the same file: its rows continue the step count.
        _writer = Append();
        if (fresh) _writer.WriteLine(Header);
    }

    private StreamWriter Append() => new(new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };

    /// <summary>
    /// Keeps the rows of the first <paramref name="step"/> steps, drops the rest (replaced by a
    /// temporary file and one rename), and returns the rows kept.
    /// </summary>
    public IReadOnlyList<MetricsRow> RollBackTo(long step)
    {
        _writer.Dispose();
        var lines = File.ReadAllLines(Path);
        var kept = lines.Skip(1).Where(l => Parse(l) is { } row && row.Step <= step).ToList();
        var temporary = Path + ".tmp";
        // The current header: a file begun by an older version without the last columns gets them named.
        File.WriteAllLines(temporary, new[] { Header }.Concat(kept));
        File.Move(temporary, Path, overwrite: true);
        _writer = Append();
        return kept.Select(l => Parse(l)!).ToList();
    }

    private static MetricsRow? Parse(string line)
    {
        var c = line.Split(',');
        if (c.Length < 9 || !long.TryParse(c[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out long step)) return null;
        double? Cell(int i) => double.TryParse(c[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null;
        return new MetricsRow(c[0], step, Cell(3) ?? double.NaN, Cell(4) ?? double.NaN, Cell(7), Cell(8));
    }

    public void Add(StepCompleted s) =>
        Row("step", s.Step + 1, s.Epoch + 1, s.Loss, s.Top1Error, s.Top5Error, null, null, null, s.LearningRate, s.ImagesPerSecond, s.Elapsed.TotalSeconds,
            s.Fp16?.Scale, s.Fp16?.SkippedSteps);

    public void Add(EpochCompleted e) =>
        Row("epoch", e.Steps, e.Epoch + 1, e.TrainLoss, e.TrainTop1Error, e.TrainTop5Error, e.ValidationLoss, e.ValidationTop1Error, e.ValidationTop5Error,
            e.LearningRate, e.ImagesPerSecond, e.EpochTime.TotalSeconds, null, null);

    private void Row(string kind, long step, int epoch, params double?[] values) =>
        _writer.WriteLine(string.Join(",", new[] { kind, step.ToString(CultureInfo.InvariantCulture), epoch.ToString(CultureInfo.InvariantCulture) }
            .Concat(values.Select(v => v is { } x ? x.ToString("G6", CultureInfo.InvariantCulture) : ""))));

    public void Dispose() => _writer.Dispose();
}
