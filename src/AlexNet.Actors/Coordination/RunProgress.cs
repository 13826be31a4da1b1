using System.Diagnostics;
using Akka.Actor;
using AlexNet.Actors.Protocol;
using AlexNet.Actors.Training;
using AlexNet.Model;

namespace AlexNet.Actors.Coordination;

/// <summary>
/// The coordinator's bookkeeping: step and epoch counters, per-epoch sums of loss and top-k
/// misses for training and validation, throughput and the time left. Builds the run events.
/// </summary>
internal sealed class RunProgress(TrainingSettings settings, int batchesPerEpoch, long totalSteps, int validationBatches)
{
    private readonly Stopwatch _run = new();
    private readonly Stopwatch _epoch = new();
    private readonly List<float> _losses = new();
    private double _trainLossSum, _valLossSum;
    private TopKErrors _trainErrors, _valErrors;
    private int _trainBatches, _valBatches;
    private long _epochImages;
    private double? _lastValTop1, _lastValTop5;
    private double _stepSeconds; // moving average of a training step's wall time

    public long Step { get; private set; }
    /// <summary>Step of the last checkpoint written (or resumed from).</summary>
    public long CheckpointedStep { get; set; } = -1;
    /// <summary>The last training batch completed.</summary>
    public BatchKey LastTrainedKey { get; private set; }
    /// <summary>The running sums of the epoch in progress (for checkpoints).</summary>
    public (double LossSum, int Batches, TopKErrors Errors, int Images) EpochSums => (_trainLossSum, _trainBatches, _trainErrors, (int)_epochImages);

    public void Restore(Checkpoints.CoordinatorState s)
    {
        Step = s.Step;
        CheckpointedStep = s.Step;
        Epoch = s.NextEpoch;
        _trainLossSum = s.EpochLossSum;
        _trainBatches = s.EpochBatches;
        _trainErrors = new TopKErrors(s.EpochImages, s.EpochTop1Misses, s.EpochTop5Misses);
        _epochImages = s.EpochImages;
    }
    public int Epoch { get; private set; }
    public int BatchesPerEpoch => batchesPerEpoch;
    /// <summary>Training steps of the whole run.</summary>
    public long TotalSteps => totalSteps;
    public long ValidationBatchesRun { get; private set; }

    public void Start() { _run.Start(); _epoch.Start(); }

    public void TrainingStepDone(ActiveStep step, IActorRef listener, LossScaler lossScaler)
    {
        double seconds = step.Clock.Elapsed.TotalSeconds;
        _stepSeconds = _stepSeconds == 0 ? seconds : 0.9 * _stepSeconds + 0.1 * seconds;
        _losses.Add(step.Loss);
        _trainLossSum += step.Loss;
        _trainErrors += step.Errors;
        _trainBatches++;
        _epochImages += step.Batch.Count;
        Epoch = (int)step.Key.Epoch;
        LastTrainedKey = step.Key;
        Step++;
        if (settings.LogEvery > 0 && (Step % settings.LogEvery == 0 || Step == totalSteps))
        {
            var remainingSteps = totalSteps - Step;
            TimeSpan? remaining = _stepSeconds > 0 ? TimeSpan.FromSeconds(remainingSteps * _stepSeconds * (1 + (double)validationBatches / Math.Max(1, batchesPerEpoch) / 3)) : null;
            listener.Tell(new StepCompleted(Step - 1, Epoch, step.Key.Index, batchesPerEpoch, step.Loss, step.Errors.Top1, step.Errors.Top5,
                step.LearningRate, _epochImages / Math.Max(1e-9, _epoch.Elapsed.TotalSeconds), _run.Elapsed, remaining,
                lossScaler.ChecksGradients ? new LossScaleState(lossScaler.Scale, lossScaler.SkippedSteps) : null));
        }
    }

    public void ValidationBatchDone(float loss, TopKErrors errors)
    {
        _valLossSum += loss * errors.Count;
        _valErrors += errors;
        _valBatches++;
        ValidationBatchesRun++;
    }

    public EpochCompleted EpochDone(int epoch, double nextRate)
    {
        bool validated = _valErrors.Count > 0;
        _lastValTop1 = validated ? _valErrors.Top1 : _lastValTop1;
        _lastValTop5 = validated ? _valErrors.Top5 : _lastValTop5;
        var e = new EpochCompleted(epoch, Step, _trainBatches == 0 ? 0 : _trainLossSum / _trainBatches, _trainErrors.Top1, _trainErrors.Top5,
            validated ? _valLossSum / _valErrors.Count : null, validated ? _valErrors.Top1 : null, validated ? _valErrors.Top5 : null,
            nextRate, _epochImages / Math.Max(1e-9, _epoch.Elapsed.TotalSeconds), _epoch.Elapsed, false);
        _trainLossSum = _valLossSum = 0;
        _trainErrors = _valErrors = default;
        _trainBatches = _valBatches = 0;
        _epochImages = 0;
        _epoch.Restart();
        return e;
    }

    /// <summary>The epochs the steps reached (the last one maybe in part): from the steps, since a run resumed after its last step trains none.</summary>
    public TrainingFinished Finished() =>
        new(Step, (int)((Step + batchesPerEpoch - 1) / batchesPerEpoch), _lastValTop1, _lastValTop5, _losses.ToArray(), _run.Elapsed);
}
