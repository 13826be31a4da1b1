using AlexNet.Actors.Protocol;
using AlexNet.Cli.Pictures;
using SixLabors.ImageSharp.PixelFormats;

namespace AlexNet.Cli.Telemetry;

/// <summary>The figures of a run kept for the curves picture at its end.</summary>
public sealed class TrainingHistory
{
    private readonly List<(double Step, double Loss)> _stepLoss = new();
    private readonly List<(double Step, double Loss, double Top1, double? ValTop1, double? ValTop5)> _epochs = new();

    public void Add(StepCompleted s) => _stepLoss.Add((s.Step + 1, s.Loss));
    public void Add(EpochCompleted e) => _epochs.Add((e.Steps, e.TrainLoss, e.TrainTop1Error, e.ValidationTop1Error, e.ValidationTop5Error));

    public bool IsEmpty => _stepLoss.Count == 0 && _epochs.Count == 0;

    /// <summary>Starts over from what metrics.csv kept (a resumed run: the steps before its checkpoint).</summary>
    public void Restore(IEnumerable<MetricsRow> rows)
    {
        _stepLoss.Clear();
        _epochs.Clear();
        foreach (var r in rows)
        {
            if (r.Kind == "step") _stepLoss.Add((r.Step, r.Loss));
            else if (r.Kind == "epoch") _epochs.Add((r.Step, r.Loss, r.Top1, r.ValTop1, r.ValTop5));
        }
    }

    /// <summary>
    /// Training loss (per progress report, and per epoch) on the left axis; training top-1 and
    /// validation top-1 / top-5 error on the right axis, 0..100 %. Colours: see the README.
    /// </summary>
    public RgbCanvas Render()
    {
        var series = new List<Series>
        {
            new("train loss", new Rgb24(31, 119, 180), _stepLoss.Count > 0 ? _stepLoss : _epochs.Select(e => (e.Step, e.Loss)).ToList(), RightAxis: false, Thickness: 1),
            new("train top-1", new Rgb24(44, 160, 44), _epochs.Select(e => (e.Step, e.Top1)).ToList(), RightAxis: true),
            new("val top-1", new Rgb24(214, 39, 40), _epochs.Where(e => e.ValTop1 is not null).Select(e => (e.Step, e.ValTop1!.Value)).ToList(), RightAxis: true),
            new("val top-5", new Rgb24(255, 127, 14), _epochs.Where(e => e.ValTop5 is not null).Select(e => (e.Step, e.ValTop5!.Value)).ToList(), RightAxis: true),
        };
        return CurvePlot.Render(series, "step");
    }
}
