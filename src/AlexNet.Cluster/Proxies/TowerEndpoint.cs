using Akka.Actor;
using Akka.Event;
using AlexNet.Actors.Protocol;
using AlexNet.Actors.Towers;
using AlexNet.Cluster.Channel;
using AlexNet.Cluster.Protocol;
using AlexNet.Cluster.Wire;

namespace AlexNet.Cluster.Proxies;

/// <summary>
/// A tower node's end of a tower: parent of the local <see cref="TowerActor"/> (one device), which
/// it feeds with the messages its <see cref="RemoteTowerProxy"/> sends (tensors rebuilt on this
/// node, belonging to the tower) and whose replies it sends back in wire form. Each
/// <see cref="Attach"/> starts a fresh tower actor (a new run, or a new coordinator after a
/// fail-over, initialises it from scratch). States: Detached → Linking → Serving.
/// </summary>
public sealed class TowerEndpoint : ReceiveActor, IWithUnboundedStash
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _device;
    private readonly int _intraOpThreads;
    private readonly ChannelPoint _selfNode;
    private readonly IActorRef _dataChannel;
    private readonly WirePrecision _precision;
    private IActorRef _tower = ActorRefs.Nobody;
    private IActorRef _proxy = ActorRefs.Nobody;
    private WireRoute? _route;
    private int _generation;
    private int _index = -1;

    public IStash Stash { get; set; } = null!;

    public TowerEndpoint(string device, int intraOpThreads, ChannelPoint selfNode, IActorRef dataChannel, WirePrecision precision)
    {
        (_device, _intraOpThreads, _selfNode, _dataChannel, _precision) = (device, intraOpThreads, selfNode, dataChannel, precision);
        Become(Detached);
    }

    public static Props Props(string device, int intraOpThreads, ChannelPoint selfNode, IActorRef dataChannel, WirePrecision precision) =>
        Akka.Actor.Props.Create(() => new TowerEndpoint(device, intraOpThreads, selfNode, dataChannel, precision))
            .WithDispatcher("akka.actor.wire-dispatcher");

    protected override void PreStart()
    {
        if (!_dataChannel.IsNobody()) _dataChannel.Tell(new RegisterEndpoint(EndpointRegistry.IdOf(Self), Self));
    }

    // A tower that throws is stopped, never restarted with fresh weights; Terminated then reports it.
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    private void Detached()
    {
        Receive<Attach>(OnAttach);
        Receive<LinkLost>(_ => { }); // the link of a coordinator already gone
        ReceiveAny(m => _log.Warning("tower endpoint {0}: {1} while no coordinator is attached; ignored", Self.Path.Name, m.GetType().Name));
    }

    private void OnAttach(Attach m)
    {
        if (!_tower.IsNobody()) { Context.Unwatch(_tower); Context.Stop(_tower); }
        if (!_proxy.IsNobody()) Context.Unwatch(_proxy);
        _tower = Context.ActorOf(TowerActor.Props(_device, _intraOpThreads), $"tower-{++_generation}");
        Context.Watch(_tower);
        _proxy = m.Proxy;
        Context.Watch(_proxy);
        _index = -1;
        if (EndpointLink.Open(_selfNode, _dataChannel, m.ProxyChannel))
        {
            Become(Linking);
            return;
        }
        Serve(new WireRoute(_proxy, null));
    }

    private void Linking()
    {
        Receive<LinkReady>(m => Serve(new WireRoute(_proxy, m.Link)));
        Receive<Attach>(OnAttach);
        ReceiveAny(_ => Stash.Stash());
    }

    private void Serve(WireRoute route)
    {
        _route = route;
        _proxy.Tell(new Attached($"{_device} tower at {Self.Path}{(route.UsesDataChannel ? ", data channel" : ", Akka.Remote only")}"), Self);
        Become(Serving);
        Stash.UnstashAll();
    }

    private void Serving()
    {
        Receive<Attach>(OnAttach);
        Receive<object>(m => m is WireInitializeTower or BeginStep or WireForwardSegment or WireBackwardSegment or ApplyUpdate or SaveShard
            or GetTowerWeights or WireSetTowerWeights or InitializeTower or ForwardSegment or BackwardSegment or SetTowerWeights, m =>
        {
            if (m is WireInitializeTower or InitializeTower) _index = m is WireInitializeTower w ? w.Index : ((InitializeTower)m).Index;
            _tower.Tell(TowerWire.FromWire(m), Self);
        });
        Receive<object>(m => Sender.Equals(_tower) && m is TowerReady or SegmentOutput or InputGradient or BackwardDone or UpdateApplied
            or ShardSaved or ShardSaveFailed or TowerWeights or TowerFailed, m =>
        {
            if (!_route!.Send(_route.Outgoing(m, _precision), Self))
                _log.Error("tower endpoint {0}: the data channel to the coordinator is closed; a {1} was lost", Self.Path.Name, m.GetType().Name);
        });
        Receive<Terminated>(m => m.ActorRef.Equals(_tower), _ =>
        {
            _route!.Send(new TowerFailed(_index, -1, $"the tower actor on {_selfNode.Node} ({_device}) crashed"), Self);
            _tower = ActorRefs.Nobody;
            Detach("its tower actor crashed");
        });
        Receive<Terminated>(m => m.ActorRef.Equals(_proxy), _ => Detach("the coordinator's proxy is gone"));
        Receive<LinkLost>(m => Detach($"the data channel to {m.Peer} failed: {m.Reason}"));
        ReceiveAny(m => TowerWire.DisposeTensors(m));
    }

    /// <summary>The coordinator went away: free the tower (its weights are the coordinator's to restore) and wait for the next Attach.</summary>
    private void Detach(string why)
    {
        _log.Warning("tower endpoint {0} detached: {1}", Self.Path.Name, why);
        if (!_tower.IsNobody()) { Context.Unwatch(_tower); Context.Stop(_tower); }
        _tower = ActorRefs.Nobody;
        _proxy = ActorRefs.Nobody;
        _route = null;
        Become(Detached);
    }

    protected override void PostStop()
    {
        if (!_dataChannel.IsNobody()) _dataChannel.Tell(new UnregisterEndpoint(EndpointRegistry.IdOf(Self)));
    }
}
