using Akka.Actor;
using Akka.Event;
using AlexNet.Cluster.Channel;
using AlexNet.Cluster.Protocol;

namespace AlexNet.Cluster.Proxies;

/// <summary>
/// What a tower and a loader endpoint share: a proxy on the coordinator's node attaches to it, the
/// endpoint opens the data channel to that node when both have one and they differ (else it
/// answers through Akka.Remote, or by reference on its own node), serves, and detaches when the
/// proxy or the link goes away. States: Detached → Linking → Serving (the subclass's).
/// </summary>
public abstract class ProxiedEndpoint : ReceiveActor, IWithUnboundedStash
{
    protected readonly ILoggingAdapter Log = Context.GetLogger();
    protected readonly ChannelPoint SelfNode;
    private readonly IActorRef _dataChannel;
    private readonly string _kind;

    protected IActorRef Proxy { get; private set; } = ActorRefs.Nobody;
    private string? _proxyNode; // the attached proxy's node, whose data-channel link this endpoint uses
    private readonly HashSet<IActorRef> _earlierProxies = new(); // unwatched, but their Terminated may already be queued
    protected WireRoute? Route { get; private set; }
    public IStash Stash { get; set; } = null!;

    /// <param name="kind">"tower" or "loader", for log lines.</param>
    protected ProxiedEndpoint(string kind, ChannelPoint selfNode, IActorRef dataChannel)
    {
        (_kind, SelfNode, _dataChannel) = (kind, selfNode, dataChannel);
        Become(Detached);
    }

    /// <summary>Handles the actor's own messages while attached (after <see cref="Attachment"/>).</summary>
    protected abstract void Serving();

    /// <summary>What the proxy is told it reached, e.g. "cpu tower at ...".</summary>
    protected abstract string Description { get; }

    /// <summary>Runs first on every Attach (a tower endpoint starts a fresh tower actor here).</summary>
    protected virtual void BeforeAttach() { }

    /// <summary>Runs on Detach before the endpoint forgets its proxy.</summary>
    protected virtual void OnDetach() { }

    protected override void PreStart()
    {
        if (!_dataChannel.IsNobody()) _dataChannel.Tell(new RegisterEndpoint(EndpointRegistry.IdOf(Self), Self));
    }

    protected override void PostStop()
    {
        if (!_dataChannel.IsNobody()) _dataChannel.Tell(new UnregisterEndpoint(EndpointRegistry.IdOf(Self)));
    }

    private void Detached()
    {
        Receive<Attach>(OnAttach);
        Receive<LinkLost>(_ => { }); // the link of a coordinator already gone
        ReceiveAny(m => Log.Warning("{0} endpoint {1}: {2} while no coordinator is attached; ignored", _kind, Self.Path.Name, m.GetType().Name));
    }

    private void OnAttach(Attach m)
    {
        BeforeAttach();
        if (!Proxy.IsNobody())
        {
            Context.Unwatch(Proxy);
            _earlierProxies.Add(Proxy);
            // The one it replaces (a coordinator's earlier proxy) would otherwise wait for answers that now go elsewhere.
            if (!Proxy.Equals(m.Proxy)) Proxy.Tell(new Detached($"{_kind} endpoint {Self.Path.Name} was attached to a newer proxy"), Self);
        }
        Proxy = m.Proxy;
        _proxyNode = m.ProxyChannel.Node;
        Context.Watch(Proxy);
        if (SelfNode.Enabled && m.ProxyChannel.Enabled && m.ProxyChannel.Node != SelfNode.Node && !_dataChannel.IsNobody())
        {
            _dataChannel.Tell(new AdmitPeer(m.ProxyChannel));
            _dataChannel.Tell(new OpenLink(m.ProxyChannel));
            Become(Linking);
            return;
        }
        Serve(new WireRoute(Proxy, null));
    }

    private void Linking()
    {
        Receive<LinkReady>(m => Serve(new WireRoute(Proxy, m.Link)));
        Receive<Attach>(OnAttach);
        ReceiveAny(_ => Stash.Stash());
    }

    private void Serve(WireRoute route)
    {
        Route = route;
        Proxy.Tell(new Attached($"{Description}{(route.UsesDataChannel ? ", data channel" : ", Akka.Remote only")}"), Self);
        Become(Serving);
        Stash.UnstashAll();
    }

    /// <summary>The attachment's own messages; a subclass's <see cref="Serving"/> registers them first.</summary>
    protected void Attachment()
    {
        Receive<Attach>(OnAttach);
        Receive<Terminated>(m => m.ActorRef.Equals(Proxy), _ => Detach("the coordinator's proxy is gone"));
        Receive<Terminated>(m => _earlierProxies.Remove(m.ActorRef), _ => { }); // sent before it was unwatched (stashed while linking)
        // Only the link to the attached proxy's node matters: one to a node this endpoint used before is history.
        Receive<LinkLost>(m => m.Peer == _proxyNode, m => Detach($"the data channel to {m.Peer} failed: {m.Reason}", tellProxy: true));
        Receive<LinkLost>(_ => { });
    }

    /// <param name="tellProxy">The proxy is still there (only the link failed): tell it, so that it does not wait for answers.</param>
    protected void Detach(string why, bool tellProxy = false)
    {
        Log.Warning("{0} endpoint {1} detached: {2}", _kind, Self.Path.Name, why);
        if (tellProxy) Proxy.Tell(new Detached(why), Self);
        OnDetach();
        // Unwatched: its Terminated may come once a newer proxy is attached (a dead coordinator's, with its node's removal),
        // and an unhandled one would crash this endpoint (DeathPactException), restarting it detached from the newer.
        if (!Proxy.IsNobody())
        {
            Context.Unwatch(Proxy);
            _earlierProxies.Add(Proxy);
        }
        Proxy = ActorRefs.Nobody;
        _proxyNode = null;
        Route = null;
        Become(Detached);
    }
}
