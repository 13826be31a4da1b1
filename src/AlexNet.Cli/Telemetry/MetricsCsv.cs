using System.Globalization;
using AlexNet.Actors.Protocol;

namespace AlexNet.Cli.Telemetry;

/// <summary>
/// metrics.csv: one row per progress report ("step") and per epoch ("epoch"), flushed as written.
/// Empty cells are figures a row does not have (steps have no validation; epochs no single-step loss).
/// </summary>
public sealed class MetricsCsv : IDisposable
{
    public const string Header = "kind,step,epoch,loss,top1_error,top5_error,val_loss,val_top1_error,val_top5_error,learning_rate,images_per_second,seconds";
    private readonly StreamWriter _writer;
    public string Path { get; }

    public MetricsCsv(string folder)
    {
        Directory.CreateDirectory(folder);
        Path = System.IO.Path.Combine(folder, "metrics.csv");
        bool fresh = !File.Exists(Path) || new FileInfo(Path).Length == 0;
        // A resumed run appends to the same file: its rows continue the step count.
        _writer = new StreamWriter(new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
        if (fresh) _writer.WriteLine(Header);
    }

    public void Add(StepCompleted s) =>
        Row("step", s.Step + 1, s.Epoch + 1, s.Loss, s.Top1Error, s.Top5Error, null, null, null, s.LearningRate, s.ImagesPerSecond, s.Elapsed.TotalSeconds);

    public void Add(EpochCompleted e) =>
        Row("epoch", e.Steps, e.Epoch + 1, e.TrainLoss, e.TrainTop1Error, e.TrainTop5Error, e.ValidationLoss, e.ValidationTop1Error, e.ValidationTop5Error,
            e.LearningRate, e.ImagesPerSecond, e.EpochTime.TotalSeconds);

    private void Row(string kind, long step, int epoch, params double?[] values) =>
        _writer.WriteLine(string.Join(",", new[] { kind, step.ToString(CultureInfo.InvariantCulture), epoch.ToString(CultureInfo.InvariantCulture) }
            .Concat(values.Select(v => v is { } x ? x.ToString("G6", CultureInfo.InvariantCulture) : ""))));

    public void Dispose() => _writer.Dispose();
}
