namespace AlexNet.Actors.Protocol;

// The run's host (the `train` command on SIGINT or SIGTERM, a test) → the coordinator.

/// <summary>
/// Stop the run at the next point it can resume from exactly: after the training step in progress
/// and a checkpoint of it, or, when the step ends an epoch, after that epoch's validation and its
/// checkpoint. Before the towers are ready it stops at once. Answered with <see cref="TrainingStopped"/>
/// as the run's last event (or with TrainingFinished when the run ends first). A second request is ignored.
/// </summary>
public sealed record StopTraining(string Reason);
