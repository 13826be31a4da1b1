namespace AlexNet.Cluster.Protocol;

// Messages between the run host and the proxies it creates (all on the coordinator's node: never serialized).

/// <summary>
/// Run host → a tower or loader proxy: the node behind you left the cluster or became unreachable.
/// A tower proxy reports <see cref="AlexNet.Actors.Protocol.TowerLost"/> to the coordinator and
/// stops; a loader proxy just stops (the run host has already sent the coordinator
/// <see cref="AlexNet.Actors.Protocol.LoaderLeft"/>). No reply.
/// </summary>
public sealed record PeerGone(string Reason);

/// <summary>
/// Tower proxy → run host (its parent): the tower's first <see cref="AlexNet.Actors.Protocol.TowerReady"/>
/// has been passed to the coordinator. When all K have, the coordinator is running and may be told of
/// loader changes. No reply.
/// </summary>
public sealed record ReadyRelayed(int Index);
