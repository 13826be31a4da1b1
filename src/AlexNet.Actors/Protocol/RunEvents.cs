namespace AlexNet.Actors.Protocol;

// Coordinator → the run's listener (the console, a test probe, a TensorBoard writer...).
// Published in order; the first is TrainingStarted (once the coordinator knows where it starts) and
// the last is always TrainingFinished, TrainingFailed or (when asked to stop) TrainingStopped.

/// <summary>
/// The coordinator initialises its towers and will train from step <paramref name="FromStep"/>: 0 for a
/// fresh start, else the step of the checkpoint <paramref name="Checkpoint"/> it resumes from. A record
/// kept across restarts drops what it has for steps at or after <paramref name="FromStep"/> (they will be
/// trained again and reported anew), so each step appears once.
/// </summary>
public sealed record TrainingStarted(long FromStep, string? Checkpoint);

/// <summary>Every `log-every` steps: the latest step's figures; <paramref name="Fp16"/> only in fp16 runs.</summary>
public sealed record StepCompleted(long Step, int Epoch, int BatchInEpoch, int BatchesPerEpoch, float Loss,
    double Top1Error, double Top5Error, double LearningRate, double ImagesPerSecond, TimeSpan Elapsed, TimeSpan? Remaining,
    LossScaleState? Fp16 = null);

/// <summary>An fp16 run's loss scale for the next step, and how many steps it has skipped because their gradients overflowed.</summary>
public sealed record LossScaleState(double Scale, long SkippedSteps);

/// <summary>After each epoch (and its validation, when enabled).</summary>
public sealed record EpochCompleted(int Epoch, long Steps, double TrainLoss, double TrainTop1Error, double TrainTop5Error,
    double? ValidationLoss, double? ValidationTop1Error, double? ValidationTop5Error, double LearningRate,
    double ImagesPerSecond, TimeSpan EpochTime, bool LearningRateReduced);

/// <summary>Something the user should know that is not a progress figure (resumed, checkpoint written or failed...).</summary>
public sealed record RunNotice(string Message, bool IsError = false);

/// <summary>A checkpoint was published (its folder holds tower-K.safetensors shards and manifest.json).</summary>
public sealed record CheckpointWritten(long Step, string Folder, bool EpochEnd);

/// <summary>The run ended as planned.</summary>
public sealed record TrainingFinished(long Steps, int Epochs, double? FinalValidationTop1Error, double? FinalValidationTop5Error,
    IReadOnlyList<float> Losses, TimeSpan Elapsed);

/// <summary>
/// The run stopped as asked (<see cref="StopTraining"/>) after <paramref name="Steps"/> steps;
/// <paramref name="Checkpoint"/> is the newest checkpoint it wrote or resumed from (null without
/// checkpoints, or before the first), from which the same command continues.
/// </summary>
public sealed record TrainingStopped(long Steps, string Reason, string? Checkpoint);

/// <summary>The run stopped on an error; <paramref name="Reason"/> says which actor and why.</summary>
public record TrainingFailed(string Reason);

/// <summary>
/// The run stopped because tower <paramref name="Tower"/>'s process or node went away, not because of
/// an error in training (a diverged loss, a broken dataset, a tower that threw). Whoever cannot replace
/// the tower treats it as any <see cref="TrainingFailed"/>; the cluster's run host waits for a tower
/// and starts a new coordinator, which resumes every tower from the last checkpoint.
/// </summary>
public sealed record TowerLostFailure(int Tower, string Reason) : TrainingFailed(Reason);
