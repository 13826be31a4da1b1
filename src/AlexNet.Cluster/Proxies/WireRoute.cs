using Akka.Actor;
using AlexNet.Actors.Protocol;
using AlexNet.Cluster.Channel;
using AlexNet.Cluster.Protocol;
using AlexNet.Cluster.Wire;

namespace AlexNet.Cluster.Proxies;

/// <summary>
/// How a proxy reaches its endpoint, or an endpoint its proxy: messages that carry tensors or
/// images go on the data channel when both nodes have one; everything else through Akka.Remote.
/// Mixing the two routes is safe because every tensor message of the tower and loader protocols
/// is a request or a reply with nothing else of that pair in flight: what follows it on the other
/// route is only ever sent after its answer arrived.
/// </summary>
public sealed class WireRoute(IActorRef remote, PeerLink? link)
{
    private readonly string _target = EndpointRegistry.IdOf(remote);

    public bool UsesDataChannel => link is not null;

    /// <summary>The other side is in this process (a node with several roles): messages keep their tensors, nothing is copied.</summary>
    public bool IsLocal { get; } = remote.Path.Address.HasLocalScope;

    /// <summary>The form a tower-protocol message travels in on this route: as it is locally, in wire form otherwise.</summary>
    public object Outgoing(object message, WirePrecision precision) => IsLocal ? message : TowerWire.ToWire(message, precision);

    /// <summary>
    /// False when the data channel link has ended (its owner is told separately by <see cref="LinkLost"/>).
    /// <paramref name="written"/> is called once the message is in the data channel's socket, and only then:
    /// a message passed by reference or through Akka.Remote may still be read by someone, so nothing is released.
    /// </summary>
    public bool Send(object message, IActorRef self, Action? written = null)
    {
        if (link is not null && IsBulk(message)) return link.Send(_target, message, written);
        remote.Tell(message, self);
        return true;
    }

    public static bool IsBulk(object message) => message is WireInitializeTower or BeginStep or WireForwardSegment or WireSegmentOutput
        or WireBackwardSegment or WireInputGradient or WireTowerWeights or WireSetTowerWeights or BatchReady or DataDescription;
}
