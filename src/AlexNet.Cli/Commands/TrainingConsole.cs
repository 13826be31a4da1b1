using AlexNet.Actors.Protocol;

namespace AlexNet.Cli.Commands;

/// <summary>Plain progress lines for a run's events (one line each, fit for logs).</summary>
public static class TrainingConsole
{
    public static void Print(object e)
    {
        switch (e)
        {
            case StepCompleted s:
                Console.WriteLine($"step {s.Step + 1,7}  epoch {s.Epoch + 1} [{s.BatchInEpoch + 1}/{s.BatchesPerEpoch}]  loss {s.Loss:F4}  " +
                                  $"top-1 err {s.Top1Error:P1}  top-5 err {s.Top5Error:P1}  lr {s.LearningRate:G3}  {s.ImagesPerSecond:F1} img/s  " +
                                  $"elapsed {Format(s.Elapsed)}  ETA {(s.Remaining is { } r ? Format(r) : "?")}" +
                                  (s.Fp16 is { } fp16 ? $"  loss scale {fp16.Scale:G} ({fp16.SkippedSteps} skipped)" : ""));
                break;
            case EpochCompleted ep:
                var val = ep.ValidationTop1Error is { } v1
                    ? $"val loss {ep.ValidationLoss:F4}  val top-1 err {v1:P2}  val top-5 err {ep.ValidationTop5Error:P2}"
                    : "no validation";
                Console.WriteLine($"epoch {ep.Epoch + 1,3}  train loss {ep.TrainLoss:F4}  train top-1 err {ep.TrainTop1Error:P2}  {val}  " +
                                  $"{ep.ImagesPerSecond:F1} img/s  {Format(ep.EpochTime)}  next lr {ep.LearningRate:G3}{(ep.LearningRateReduced ? " (reduced)" : "")}");
                break;
            case TrainingFinished f:
                Console.WriteLine($"finished: {f.Steps} steps, {f.Epochs} epoch(s) in {Format(f.Elapsed)}" +
                                  (f.FinalValidationTop1Error is { } t1 ? $"; validation top-1 error {t1:P2}, top-5 error {f.FinalValidationTop5Error:P2}" : ""));
                break;
            case RunNotice n:
                (n.IsError ? Console.Error : Console.Out).WriteLine((n.IsError ? "warning: " : "") + n.Message);
                break;
            case TrainingFailed or TrainingStopped:
                break; // reported once by the command, as its last line
        }
    }

    public static string Format(TimeSpan t) => t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:00}m" : t.TotalMinutes >= 1 ? $"{t.Minutes}m{t.Seconds:00}s" : $"{t.TotalSeconds:F1}s";
}
