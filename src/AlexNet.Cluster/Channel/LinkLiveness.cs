namespace AlexNet.Cluster.Channel;

/// <summary>
/// How a data-channel connection proves it is alive (alexnet.cluster.data-channel.heartbeat-interval and
/// silence-timeout). Each end sends something at least every <see cref="HeartbeatInterval"/>: the connecting end an
/// empty frame when it has nothing else to write, the accepting end one heartbeat byte. An end that hears nothing for
/// <see cref="SilenceTimeout"/> ends the connection. Without this a connection black-holed by the network (no close
/// and no reset reaches either end: a NAT or firewall forgetting it, a cable pulled) went unnoticed until a step
/// timed out; the heartbeats also keep idle connections in NAT and firewall tables.
/// </summary>
public sealed record LinkLiveness(TimeSpan HeartbeatInterval, TimeSpan SilenceTimeout)
{
    /// <summary>The defaults of hocon/cluster.conf.</summary>
    public static readonly LinkLiveness Default = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
}
