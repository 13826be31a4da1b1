using AlexNet.Actors.Protocol;
using AlexNet.Cli.Commands;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace AlexNet.Cli.Telemetry;

/// <summary>
/// The terminal view of a training run (Spectre.Console): epoch and step progress bars, loss,
/// error, learning rate, images/s, elapsed time and ETA, the last epochs' figures and the latest
/// notices, redrawn in place at every event. Events arrive on the run's listener thread.
/// </summary>
public sealed class LiveDisplay
{
    private const int EpochRows = 8, NoticeRows = 4, BarWidth = 40;
    private readonly object _gate = new();
    private readonly int _epochs;
    private readonly List<EpochCompleted> _epochRows = new();
    private readonly List<RunNotice> _notices = new();
    private StepCompleted? _last;
    private LiveDisplayContext? _context;

    public LiveDisplay(int epochs) => _epochs = epochs;

    /// <summary>Runs <paramref name="run"/> (which reports its events to the given callback) under the live view.</summary>
    public T Show<T>(Func<Action<object>, T> run)
    {
        T result = default!;
        AnsiConsole.Live(Build()).AutoClear(false).Overflow(VerticalOverflow.Ellipsis).Start(context =>
        {
            lock (_gate) _context = context;
            result = run(OnEvent);
        });
        return result;
    }

    private void OnEvent(object e)
    {
        lock (_gate)
        {
            switch (e)
            {
                case StepCompleted s: _last = s; break;
                case EpochCompleted ep: _epochRows.Add(ep); break;
                case RunNotice n: _notices.Add(n); break;
                default: return;
            }
            _context?.UpdateTarget(Build());
            _context?.Refresh();
        }
    }

    private IRenderable Build()
    {
        var rows = new List<IRenderable> { new Markup("[bold]alexnet train[/]") };
        if (_last is { } s)
        {
            int epochsDone = Math.Min(_epochs, s.Epoch);
            rows.Add(new Markup($"epoch {s.Epoch + 1,3}/{_epochs}  {Bar((epochsDone + (double)(s.BatchInEpoch + 1) / s.BatchesPerEpoch) / _epochs)}"));
            rows.Add(new Markup($"batch {s.BatchInEpoch + 1,5}/{s.BatchesPerEpoch}  {Bar((double)(s.BatchInEpoch + 1) / s.BatchesPerEpoch)}  step {s.Step + 1}"));
            rows.Add(new Markup($"loss [bold]{s.Loss:F4}[/]   top-1 err {s.Top1Error:P1}   top-5 err {s.Top5Error:P1}   lr {s.LearningRate:G3}   " +
                                $"[bold]{s.ImagesPerSecond:F1}[/] images/s   elapsed {TrainingConsole.Format(s.Elapsed)}   ETA [bold]{(s.Remaining is { } r ? TrainingConsole.Format(r) : "?")}[/]"));
            if (s.Fp16 is { } fp16) rows.Add(new Markup($"fp16 loss scale {fp16.Scale:G}   steps skipped on overflow {fp16.SkippedSteps}"));
        }
        else rows.Add(new Markup("[grey]starting: towers, loaders and coordinator...[/]"));
        if (_epochRows.Count > 0)
        {
            var table = new Table().Border(TableBorder.Simple).Collapse();
            foreach (var c in new[] { "epoch", "loss", "top-1", "val loss", "val top-1", "val top-5", "img/s", "next lr" })
                table.AddColumn(new TableColumn(c).RightAligned().NoWrap());
            foreach (var ep in _epochRows.TakeLast(EpochRows))
                table.AddRow((ep.Epoch + 1).ToString(), $"{ep.TrainLoss:F4}", Percent(ep.TrainTop1Error), ep.ValidationLoss is { } vl ? $"{vl:F4}" : "-",
                    Percent(ep.ValidationTop1Error), Percent(ep.ValidationTop5Error), $"{ep.ImagesPerSecond:F0}",
                    $"{ep.LearningRate:G3}{(ep.LearningRateReduced ? " (cut)" : "")}");
            rows.Add(table);
        }
        foreach (var n in _notices.TakeLast(NoticeRows))
            rows.Add(new Markup(n.IsError ? $"[red]warning: {Markup.Escape(n.Message)}[/]" : $"[grey]{Markup.Escape(n.Message)}[/]"));
        return new Rows(rows);
    }

    private static string Percent(double? fraction) => fraction is { } f ? $"{100 * f:F1}%" : "-";

    private static string Bar(double fraction)
    {
        int filled = (int)Math.Round(Math.Clamp(fraction, 0, 1) * BarWidth);
        return $"[green]{new string('━', filled)}[/][grey]{new string('━', BarWidth - filled)}[/] {Math.Clamp(fraction, 0, 1),4:P0}";
    }
}
