using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using AlexNet.Cluster.Protocol;
using AlexNet.Cluster.Wire;

namespace AlexNet.Cluster.Channel;

/// <summary>
/// A node's data channel (one per node, at /user/data-channel): owns the listener and one
/// outgoing <see cref="PeerLink"/> per peer node, admits the peers the cluster introduces and
/// forgets them when they leave the cluster, and tells a failed link's users. A peer whose own
/// connection to this node ends (it died or dropped its link) counts as a failed link too: its users,
/// and those that only watch that peer (<see cref="WatchPeer"/>), hear at once, instead of when the
/// cluster finds the node unreachable seconds later. Tensor bytes
/// never pass through this actor: proxies and endpoints queue messages on the links directly.
/// </summary>
public sealed class DataChannelActor : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ChannelListener _listener;
    private readonly ChannelPoint _self;
    private readonly PeerDirectory _peers;
    private readonly EndpointRegistry _endpoints;
    private readonly TimeSpan _connectTimeout;
    private readonly LinkLiveness _liveness;
    private readonly ChannelTls? _tls;
    private readonly Dictionary<string, PeerLink> _links = new();
    private readonly Dictionary<string, HashSet<IActorRef>> _users = new();

    public DataChannelActor(ChannelListener listener, ChannelPoint self, PeerDirectory peers, EndpointRegistry endpoints, TimeSpan connectTimeout,
        LinkLiveness? liveness = null, ChannelTls? tls = null)
    {
        (_listener, _self, _peers, _endpoints, _connectTimeout, _tls) = (listener, self, peers, endpoints, connectTimeout, tls);
        _liveness = liveness ?? LinkLiveness.Default;
        Receive<AdmitPeer>(m => _peers.Admit(m.Peer));
        Receive<OpenLink>(Open);
        Receive<LinkFailed>(m => Drop(m.Link, m.Reason));
        Receive<PeerClosed>(m =>
        {
            if (_links.TryGetValue(m.Node, out var link)) Drop(link, $"{m.Node}: {m.Reason}");
            else Watched(m.Node, $"{m.Node}: {m.Reason}");
        });
        Receive<WatchPeer>(m => Use(m.Node, Sender));
        Receive<RegisterEndpoint>(m => _endpoints.Register(m.Id, m.Actor));
        Receive<UnregisterEndpoint>(m => _endpoints.Unregister(m.Id));
        Receive<ClusterEvent.MemberRemoved>(m => Forget(m.Member.Address.ToString(), "left the cluster"));
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<Terminated>(m => { foreach (var users in _users.Values) users.Remove(m.ActorRef); });
    }

    public static Props Props(ChannelListener listener, ChannelPoint self, PeerDirectory peers, EndpointRegistry endpoints, TimeSpan connectTimeout,
        LinkLiveness? liveness = null, ChannelTls? tls = null) =>
        Akka.Actor.Props.Create(() => new DataChannelActor(listener, self, peers, endpoints, connectTimeout, liveness, tls));

    protected override void PreStart()
    {
        if (Context.System is ExtendedActorSystem { Provider: Akka.Cluster.ClusterActorRefProvider })
            Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.MemberRemoved));
        var self = Self;
        _listener.Start((node, reason) => self.Tell(new PeerClosed(node, reason)));
        _log.Info("data channel listening on {0}:{1}{2}", _self.Host, _self.Port, _tls is null ? "" : " (TLS)");
    }

    private void Open(OpenLink m)
    {
        if (!m.Peer.Enabled) throw new ArgumentException($"{m.Peer.Node} has no data channel");
        if (!_links.TryGetValue(m.Peer.Node, out var link) || link.Peer.Port != m.Peer.Port || link.Peer.Host != m.Peer.Host)
        {
            if (link is not null) Drop(link, "the peer moved to another address");
            var self = Self;
            link = new PeerLink(_self, m.Peer, MessageCodec.Default, _connectTimeout, (l, reason) => self.Tell(new LinkFailed(l, reason)), _liveness, _tls);
            _links[m.Peer.Node] = link;
        }
        Use(m.Peer.Node, Sender);
        Sender.Tell(new LinkReady(link));
    }

    /// <summary><paramref name="user"/> is told when the link to <paramref name="node"/>, or that node's connection to this one, ends.</summary>
    private void Use(string node, IActorRef user)
    {
        if (!_users.TryGetValue(node, out var users)) _users[node] = users = new HashSet<IActorRef>();
        if (users.Add(user)) Context.Watch(user);
    }

    private void Drop(PeerLink link, string reason)
    {
        var node = link.Peer.Node;
        link.Dispose();
        if (!_links.TryGetValue(node, out var current) || current != link) return;
        _links.Remove(node);
        _log.Warning("data channel to {0} lost: {1}", node, reason);
        Tell(node, reason);
    }

    /// <summary>Tells the users of <paramref name="node"/>'s link, and its watchers, that it is lost; they ask again if they need it.</summary>
    private void Tell(string node, string reason)
    {
        if (_users.Remove(node, out var users))
            foreach (var u in users) u.Tell(new LinkLost(node, reason));
    }

    /// <summary>A node this one has no link to is gone from the data channel: those that watch it (<see cref="WatchPeer"/>) hear.</summary>
    private void Watched(string node, string reason)
    {
        if (_users.TryGetValue(node, out var watchers) && watchers.Count > 0) _log.Warning("data channel from {0} lost: {1}", node, reason);
        Tell(node, reason);
    }

    private void Forget(string node, string why)
    {
        _peers.Revoke(node);
        if (_links.TryGetValue(node, out var link)) Drop(link, $"{node} {why}");
        else Watched(node, $"{node} {why}");
    }

    protected override void PostStop()
    {
        foreach (var link in _links.Values) link.Dispose();
        _listener.Dispose();
        if (Context.System is ExtendedActorSystem { Provider: Akka.Cluster.ClusterActorRefProvider })
            Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
    }
}
