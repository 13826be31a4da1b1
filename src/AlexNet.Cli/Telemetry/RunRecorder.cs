using AlexNet.Actors.Inference;
using AlexNet.Actors.Protocol;
using AlexNet.Cli.Commands;
using AlexNet.Model;

namespace AlexNet.Cli.Telemetry;

/// <summary>
/// Writes a training run's record into its run folder as events arrive: TensorBoard scalars
/// (loss, top-1/top-5 error, learning rate, images/s per progress report and per epoch), the conv1
/// filter picture after every epoch-end checkpoint (TensorBoard and filters.png; read from the
/// checkpoint's shards, so only when checkpoints are on), metrics.csv, and curves.png at the end.
/// A failure to write any of it is reported once and never stops training.
/// </summary>
public sealed class RunRecorder : IDisposable
{
    private readonly string _folder;
    private readonly AlexNetConfig _model;
    private readonly Action<string> _warn;
    private readonly TensorBoardEventFile? _events;
    private readonly MetricsCsv _csv;
    private readonly TrainingHistory _history = new();
    private bool _warned;

    public const string CurvesFile = "curves.png", FiltersFile = "filters.png";
    public string Folder => _folder;
    public string? EventFile => _events?.Path;

    /// <param name="model">The run's model with its class count (for reading checkpoint shards).</param>
    public RunRecorder(string folder, bool tensorBoard, AlexNetConfig model, Action<string> warn)
    {
        _folder = folder;
        _model = model;
        _warn = warn;
        _csv = new MetricsCsv(folder);
        _events = tensorBoard ? new TensorBoardEventFile(folder) : null;
    }

    public void OnEvent(object e)
    {
        try
        {
            switch (e)
            {
                case TrainingStarted t:
                    _history.Restore(_csv.RollBackTo(t.FromStep));
                    _events?.SessionStart(t.FromStep);
                    break;
                case StepCompleted s:
                    _csv.Add(s);
                    _history.Add(s);
                    long step = s.Step + 1;
                    _events?.Scalar("train/loss", s.Loss, step);
                    _events?.Scalar("train/top1_error", s.Top1Error, step);
                    _events?.Scalar("train/top5_error", s.Top5Error, step);
                    _events?.Scalar("train/learning_rate", s.LearningRate, step);
                    _events?.Scalar("train/images_per_second", s.ImagesPerSecond, step);
                    if (s.Fp16 is { } fp16)
                    {
                        _events?.Scalar("train/loss_scale", fp16.Scale, step);
                        _events?.Scalar("train/skipped_steps", fp16.SkippedSteps, step);
                    }
                    break;
                case EpochCompleted ep:
                    _csv.Add(ep);
                    _history.Add(ep);
                    _events?.Scalar("epoch/train_loss", ep.TrainLoss, ep.Steps);
                    _events?.Scalar("epoch/train_top1_error", ep.TrainTop1Error, ep.Steps);
                    _events?.Scalar("epoch/train_top5_error", ep.TrainTop5Error, ep.Steps);
                    if (ep.ValidationLoss is { } vl) _events?.Scalar("epoch/val_loss", vl, ep.Steps);
                    if (ep.ValidationTop1Error is { } v1) _events?.Scalar("epoch/val_top1_error", v1, ep.Steps);
                    if (ep.ValidationTop5Error is { } v5) _events?.Scalar("epoch/val_top5_error", v5, ep.Steps);
                    _events?.Scalar("epoch/learning_rate", ep.LearningRate, ep.Steps);
                    _events?.Scalar("epoch/images_per_second", ep.ImagesPerSecond, ep.Steps);
                    break;
                case CheckpointWritten { EpochEnd: true } c:
                    var filters = FiltersCommand.Render(c.Folder, _model.Classes > 0 ? _model : CheckpointLocator.Resolve(c.Folder).Manifest.Model, scale: 4);
                    var png = filters.ToPng();
                    _events?.Image("conv1/filters", png, filters.Width, filters.Height, c.Step);
                    File.WriteAllBytes(Path.Combine(_folder, FiltersFile), png);
                    break;
                case TrainingFinished or TrainingFailed or TrainingStopped:
                    if (!_history.IsEmpty) _history.Render().SavePng(Path.Combine(_folder, CurvesFile));
                    break;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or Actors.Inference.ModelInputException)
        {
            // e.g. a checkpoint pruned before its picture was drawn, or a full disk
            if (!_warned) _warn($"run folder {_folder}: could not record {e.GetType().Name}: {ex.Message} (training goes on)");
            _warned = true;
        }
    }

    public void Dispose()
    {
        _events?.Dispose();
        _csv.Dispose();
    }
}
