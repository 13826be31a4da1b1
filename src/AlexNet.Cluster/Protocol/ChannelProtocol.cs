using Akka.Actor;
using AlexNet.Cluster.Channel;

namespace AlexNet.Cluster.Protocol;

// Messages of a node's DataChannelActor (all local: never serialized).

/// <summary>
/// Node host, run host, proxy or endpoint → data channel: the cluster introduced this peer (over
/// Akka.Remote); accept its connections. Peers leave the directory when they leave the cluster.
/// </summary>
public sealed record AdmitPeer(ChannelPoint Peer);

/// <summary>
/// Proxy or endpoint → data channel: a link to this peer, please (one TCP connection per pair of
/// nodes, shared). Reply: <see cref="LinkReady"/>; later <see cref="LinkLost"/> if the link fails.
/// </summary>
public sealed record OpenLink(ChannelPoint Peer);

/// <summary>Data channel → asker: the link to use (a thread-safe queue onto the connection).</summary>
public sealed record LinkReady(PeerLink Link);

/// <summary>Data channel → every user of a link: it failed; what was queued on it is lost.</summary>
public sealed record LinkLost(string Peer, string Reason);

/// <summary>
/// Proxy → data channel: tell me (<see cref="LinkLost"/>) when <paramref name="Node"/>'s connection to this node
/// ends, also where this node has no link of its own to it (a loader proxy: only the loader's node connects,
/// to send its batches). Without it a SIGKILLed loader node was noticed only once the cluster found it
/// unreachable (5-10 s), and the step waiting for a batch it owed waited that long.
/// </summary>
public sealed record WatchPeer(string Node);

/// <summary>A link's writer → data channel: the connection failed.</summary>
internal sealed record LinkFailed(PeerLink Link, string Reason);

/// <summary>The listener (a reader thread) → data channel: <paramref name="Node"/>'s connection to this node ended.</summary>
internal sealed record PeerClosed(string Node, string Reason);

/// <summary>Proxy or endpoint → data channel: deliver frames addressed to <paramref name="Id"/> to this actor.</summary>
public sealed record RegisterEndpoint(string Id, IActorRef Actor);

/// <summary>Proxy or endpoint → data channel: stop delivering to <paramref name="Id"/>.</summary>
public sealed record UnregisterEndpoint(string Id);
