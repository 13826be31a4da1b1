using Akka.Actor;
using AlexNet.Cluster.Channel;
using AlexNet.Cluster.Protocol;

namespace AlexNet.Cluster.Proxies;

/// <summary>How an endpoint reaches the proxy that attached to it: the data channel when both nodes have one and differ.</summary>
internal static class EndpointLink
{
    /// <summary>
    /// Admits the proxy's node to this node's data channel and opens a link to it, when the channel
    /// is the way to go; true when the endpoint must then wait for <see cref="LinkReady"/>, false
    /// when it serves through Akka.Remote (or by reference, on its own node) at once.
    /// </summary>
    public static bool Open(ChannelPoint selfNode, IActorRef dataChannel, ChannelPoint proxyChannel)
    {
        if (!selfNode.Enabled || !proxyChannel.Enabled || proxyChannel.Node == selfNode.Node || dataChannel.IsNobody()) return false;
        dataChannel.Tell(new AdmitPeer(proxyChannel));
        dataChannel.Tell(new OpenLink(proxyChannel));
        return true;
    }
}
