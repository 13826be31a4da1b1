namespace AlexNet.Cluster.Protocol;

// A node stopped by a signal (SIGTERM or SIGINT: a Kubernetes pod's termination, a machine's drain,
// a scale-down) has the run checkpointed before it leaves, so that nothing trained is lost.

/// <summary>
/// The coordinator node's shutdown → the run host on that node (local only). This node is leaving the
/// cluster: stop the run where it can resume from and checkpoint it
/// (<see cref="AlexNet.Actors.Protocol.StopTraining"/>) before the run host moves to the next
/// coordinator node, which resumes from that checkpoint with nothing lost. The other nodes are not
/// told the run ended. Reply: <see cref="RunHandedOver"/>, at once when no coordinator is running.
/// </summary>
public sealed record HandOverRun;

/// <summary>What the run host did before its node leaves, for the node's log.</summary>
public sealed record RunHandedOver(string Summary);

/// <summary>
/// A tower node's shutdown → its node host (local), which forwards it to the run host (remote). The
/// tower node <paramref name="Node"/> (its cluster address) is leaving: if the run trains on its
/// towers, stop the run after the step in progress and checkpoint it, then resume it from that
/// checkpoint on the towers still there (spares, a replacement) without this node. Its spare towers
/// are withdrawn at once. Reply: <see cref="TowerNodeReleased"/>, once the checkpoint is written (at
/// once when the run does not use the node's towers, or nothing can be kept); the node then leaves.
/// </summary>
public sealed record ReleaseTowerNode(string Node);

/// <summary>The run host let a leaving tower node go; <paramref name="Summary"/> says what it kept, for the node's log.</summary>
public sealed record TowerNodeReleased(string Summary);
