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

/// <summary>Loader proxy → run host (its parent): attached to <paramref name="Endpoint"/>; it may be given batches to load. No reply.</summary>
public sealed record LoaderAttached(Akka.Actor.IActorRef Endpoint);

/// <summary>
/// Loader proxy → run host (its parent), as it stops: the connection to its loader's node ended (the node's data
/// connection closed or failed, or the endpoint detached) although the node may still be in the cluster. The run
/// host attaches a new proxy to <paramref name="Endpoint"/> if the node is still enlisted (RunHost.LoaderLinks.cs).
/// No reply.
/// </summary>
public sealed record LoaderConnectionLost(Akka.Actor.IActorRef Endpoint, ChannelPoint Node, string Reason);
