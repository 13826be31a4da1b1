using AlexNet.Actors.Checkpoints;

namespace AlexNet.Cluster.Hosting;

/// <summary>
/// One run per checkpoint folder, as for `alexnet train`: two runs writing the same folder would each
/// resume from the other's checkpoints and overwrite them (a job launched twice, a `train` left running).
/// The active run host holds the folder's lock (<see cref="CheckpointFolderLock"/>) from before its first
/// coordinator until it stops. A run host that finds it held waits, retrying every second, within
/// gather-timeout: the previous run host of a fail-over may still be shutting down on a node that was
/// downed but not yet stopped. The other run's owner is named at once. Off (alexnet.cluster.checkpoint-lock)
/// for shared storage whose locks outlive a dead holder (NFSv3 keeps a crashed client's locks).
/// </summary>
public sealed partial class RunHost
{
    private CheckpointFolderLock? _checkpointLock;
    private string? _lockRefusal; // why the lock is not ours yet, told once per reason

    private sealed record RetryCheckpointLock;

    private static readonly TimeSpan LockRetry = TimeSpan.FromSeconds(1);

    /// <summary>True once this run host holds the checkpoint folder's lock (or the run has no folder).</summary>
    private bool HoldsCheckpointLock()
    {
        if (_checkpointLock is not null || !_setup.LockCheckpoints || _setup.Training.CheckpointDir is not { } dir) return true;
        try
        {
            _checkpointLock = CheckpointFolderLock.Acquire(dir);
            Timers.Cancel("checkpoint-lock"); // taken on a node's offer before the retry came
            if (_lockRefusal is not null) Notice($"alexnet.checkpoint.dir = {dir} is free now");
            _lockRefusal = null;
            return true;
        }
        catch (IOException e)
        {
            if (_lockRefusal != e.Message)
                Notice($"alexnet.checkpoint.dir = {dir}: {e.Message}; this run starts once it is free " +
                       $"(waiting up to alexnet.cluster.gather-timeout, {_setup.GatherTimeout}; if no run uses the folder, its holder " +
                       "died on shared storage that keeps its locks: remove .lock there, or set alexnet.cluster.checkpoint-lock = off)", isError: true);
            _lockRefusal = e.Message;
            Timers.StartSingleTimer("checkpoint-lock", new RetryCheckpointLock(), LockRetry);
            return false;
        }
    }

    private void ReleaseCheckpointLock()
    {
        _checkpointLock?.Dispose();
        _checkpointLock = null;
    }
}
