namespace AlexNet.Cluster.Hosting;

/// <summary>
/// How a run survives the loss of a tower node (alexnet.cluster.recovery): the run host pauses the
/// run, waits up to <paramref name="WaitForTowers"/> for enough towers (the restarted node or a
/// spare), and starts a new coordinator that resumes every tower from the last checkpoint; at most
/// <paramref name="MaxRestarts"/> times in one run (0: a lost tower ends the run).
/// </summary>
public sealed record RecoverySettings(int MaxRestarts, TimeSpan WaitForTowers)
{
    public bool Enabled => MaxRestarts > 0;
}
