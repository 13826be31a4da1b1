namespace AlexNet.Cluster.Protocol;

// The coordinator node's own shutdown (SIGTERM or SIGINT: a Kubernetes pod's termination, a
// machine's drain) → the run host on that node. Local only: neither crosses the network.

/// <summary>
/// This node is leaving the cluster: stop the run where it can resume from and checkpoint it
/// (<see cref="AlexNet.Actors.Protocol.StopTraining"/>) before the run host moves to the next
/// coordinator node, which resumes from that checkpoint with nothing lost. The other nodes are not
/// told the run ended. Reply: <see cref="RunHandedOver"/>, at once when no coordinator is running.
/// </summary>
public sealed record HandOverRun;

/// <summary>What the run host did before its node leaves, for the node's log.</summary>
public sealed record RunHandedOver(string Summary);
