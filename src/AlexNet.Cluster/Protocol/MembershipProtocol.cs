using Akka.Actor;
using AlexNet.Data;
using AlexNet.Model;

namespace AlexNet.Cluster.Protocol;

// Messages between the run host (the coordinator singleton) and the node host of every tower or
// loader node, and between a proxy and the endpoint it stands in for. All travel through Akka.Remote.

/// <summary>Where a node's data channel listens and the token a peer must present to it (port 0: no data channel).</summary>
public sealed record ChannelPoint(string Node, string Host, int Port, byte[] Token)
{
    public bool Enabled => Port > 0;
    public override string ToString() => Enabled ? $"{Node} (data channel {Host}:{Port})" : $"{Node} (no data channel)";
}

/// <summary>
/// What must agree between a node and the coordinator: the model configuration always; for loader
/// nodes also the run seed, the augmentation and the data source (a batch is a function of these);
/// for coordinator nodes, which may take the run over, all of that and <paramref name="Terms"/>,
/// the training settings that decide the run (<see cref="Hosting.RunTerms"/>; empty on other nodes).
/// </summary>
public sealed record NodeProfile(AlexNetConfig Model, long Seed, AugmentationSettings Augmentation, string DataSource,
    IReadOnlyList<RunTerm>? Terms = null)
{
    public IReadOnlyList<RunTerm> TermsOrNone => Terms ?? Array.Empty<RunTerm>();
}

/// <summary>One training setting that decides a run: its configuration key and its value as text.</summary>
public sealed record RunTerm(string Key, string Value);

/// <summary>A tower actor a node offers: its endpoint and the device it computes on.</summary>
public sealed record TowerSeat(IActorRef Endpoint, string Device);

/// <summary>
/// Run host → node host (on MemberUp of any node): take part in the run (a coordinator node: be checked
/// as the run's stand-in); here is the
/// coordinator's profile and data channel. Reply: <see cref="NodeOffer"/>.
/// </summary>
public sealed record Enlist(IActorRef RunHost, NodeProfile Profile, ChannelPoint Channel);

/// <summary>Node host → run host: this node's profile, data channel, towers (one per device) and loaders.</summary>
public sealed record NodeOffer(string Node, string[] Roles, NodeProfile Profile, ChannelPoint Channel,
    IReadOnlyList<TowerSeat> Towers, IReadOnlyList<IActorRef> Loaders);

/// <summary>Run host → node host: this node may not take part; the node prints the reason and exits with code 2.</summary>
public sealed record NodeRefused(string Reason);

/// <summary>
/// Run host → every node host: the run is over; nodes shut down (exit code 0, or 1 when it failed).
/// Reply: <see cref="RunEndSeen"/>, which the run host waits for before its own node shuts down.
/// </summary>
public sealed record RunEnded(bool Succeeded, string Summary);

/// <summary>Node host → run host: <see cref="RunEnded"/> arrived at <paramref name="Node"/> (its cluster address).</summary>
public sealed record RunEndSeen(string Node);

/// <summary>
/// Proxy → endpoint: serve me from now on (replies go to <paramref name="Proxy"/>, tensors over
/// <paramref name="ProxyChannel"/> when both nodes have a data channel). An endpoint attached
/// anew starts from a fresh actor (a tower from uninitialised). Reply: <see cref="Attached"/>.
/// </summary>
public sealed record Attach(IActorRef Proxy, ChannelPoint ProxyChannel);

/// <summary>Endpoint → proxy: attached; <paramref name="Description"/> names it in logs.</summary>
public sealed record Attached(string Description);

/// <summary>
/// Endpoint → proxy: I no longer serve you (the data channel to your node failed, or a newer
/// proxy attached), although my node is still in the cluster. A loader proxy stops, so the
/// coordinator's DeathWatch hands its batches to the other loaders; a tower proxy reports
/// <see cref="AlexNet.Actors.Protocol.TowerLost"/>, as for a lost node. No reply.
/// </summary>
public sealed record Detached(string Reason);
