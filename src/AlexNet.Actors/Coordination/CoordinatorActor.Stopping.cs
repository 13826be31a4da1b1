using Akka.Actor;
using Akka.Event;
using AlexNet.Actors.Checkpoints;
using AlexNet.Actors.Protocol;

namespace AlexNet.Actors.Coordination;

/// <summary>
/// A run asked to stop (<see cref="StopTraining"/>: SIGINT or SIGTERM in `train`, a coordinator node
/// leaving the cluster) ends at the next point it can resume from exactly: after the training step in
/// progress and its checkpoint, or after an epoch's validation and its checkpoint.
/// </summary>
public sealed partial class CoordinatorActor
{
    private void OnStopRequested(StopTraining m)
    {
        if (_stopReason is not null) return;
        _stopReason = m.Reason;
        if (_readyTowers < _towers.Count) { StopNow(); return; } // nothing trained in this run yet
        Notice($"{m.Reason}: stopping after the step in progress" + (_store is null ? "" : " and a checkpoint of it") +
               " (at an epoch's end, after its validation)");
    }

    /// <summary>After a checkpoint (or where one would be): go on, or stop if asked to (unless nothing is left: then the run finishes).</summary>
    private void AfterCheckpoint()
    {
        if (_stopReason is not null && !NoBatchesLeft) StopNow();
        else AfterStep();
    }

    private void StopNow()
    {
        Timers.CancelAll();
        string? checkpoint = _store is not null && _progress is { CheckpointedStep: > 0 }
            ? Path.Combine(_store.Root, CheckpointStore.FolderName(_progress.CheckpointedStep))
            : null;
        _log.Info("stopped after step {0}: {1}", _progress?.Step ?? 0, _stopReason);
        _listener.Tell(new TrainingStopped(_progress?.Step ?? 0, _stopReason!, checkpoint));
        Become(Done);
    }
}
