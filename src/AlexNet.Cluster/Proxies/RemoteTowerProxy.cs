using Akka.Actor;
using Akka.Event;
using AlexNet.Actors.Protocol;
using AlexNet.Cluster.Channel;
using AlexNet.Cluster.Protocol;
using AlexNet.Cluster.Wire;
using AlexNet.Data;
using AlexNet.Model;

namespace AlexNet.Cluster.Proxies;

/// <summary>
/// Stands in, on the coordinator's node, for a tower actor on another node: the coordinator talks
/// to it exactly as to a local tower. Requests are turned into their wire form (tensors copied to
/// bytes and freed) and sent to the tower's <see cref="TowerEndpoint"/>; replies are turned back
/// into tensors, which belong to the coordinator. A tower on the same node (a node with several
/// roles) gets the messages as they are, tensors and all. States: Attaching → Linking (data channel) →
/// Relaying. When the tower's node goes away (DeathWatch, a lost data channel, or the run host's
/// <see cref="PeerGone"/>) it reports <see cref="TowerLost"/> to the coordinator and stops (the
/// coordinator's DeathWatch covers the case where it had not sent anything yet).
/// </summary>
public sealed class RemoteTowerProxy : ReceiveActor, IWithUnboundedStash
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly int _index;
    private readonly TowerSeat _seat;
    private readonly ChannelPoint _towerNode;
    private readonly ChannelPoint _selfNode;
    private readonly IActorRef _dataChannel;
    private readonly WirePrecision _precision;
    private readonly PixelBufferPool? _pixelBuffers; // a batch the coordinator shared among the towers' proxies is released once sent
    private IActorRef _replyTo = ActorRefs.Nobody;
    private WireRoute? _route;
    // A step's batch that went by reference (a tower on this node) or through Akka.Remote: released
    // once the tower has answered the step's first segment, as it has made its input from it by then.
    private (long Step, byte[] Pixels)? _readingPixels;
    private readonly List<object> _early = new(); // replies before any request (a tower that failed on start): for the first asker

    public IStash Stash { get; set; } = null!;

    public RemoteTowerProxy(int index, TowerSeat seat, ChannelPoint towerNode, ChannelPoint selfNode, IActorRef dataChannel, WirePrecision precision,
        PixelBufferPool? pixelBuffers = null)
    {
        (_index, _seat, _towerNode, _selfNode, _dataChannel, _precision, _pixelBuffers) = (index, seat, towerNode, selfNode, dataChannel, precision, pixelBuffers);
        Become(Attaching);
    }

    public static Props Props(int index, TowerSeat seat, ChannelPoint towerNode, ChannelPoint selfNode, IActorRef dataChannel, WirePrecision precision,
        PixelBufferPool? pixelBuffers = null) =>
        Akka.Actor.Props.Create(() => new RemoteTowerProxy(index, seat, towerNode, selfNode, dataChannel, precision, pixelBuffers))
            .WithDispatcher("akka.actor.wire-dispatcher");

    protected override void PreStart()
    {
        Context.Watch(_seat.Endpoint);
        if (!_dataChannel.IsNobody()) _dataChannel.Tell(new RegisterEndpoint(EndpointRegistry.IdOf(Self), Self));
        _seat.Endpoint.Tell(new Attach(Self, _selfNode));
    }

    private void Attaching()
    {
        Receive<Attached>(m =>
        {
            _log.Info("tower {0} is {1} on {2}", _index, m.Description, _towerNode.Node);
            if (_selfNode.Enabled && _towerNode.Enabled && _towerNode.Node != _selfNode.Node && !_dataChannel.IsNobody())
            {
                _dataChannel.Tell(new OpenLink(_towerNode));
                Become(Linking);
                return;
            }
            Relay(new WireRoute(_seat.Endpoint, null));
        });
        Gone();
        ReceiveAny(Hold);
    }

    private void Linking()
    {
        Receive<LinkReady>(m => Relay(new WireRoute(_seat.Endpoint, m.Link)));
        Gone();
        ReceiveAny(Hold);
    }

    /// <summary>A message that arrived before the route exists waits in the stash.</summary>
    private void Hold(object m)
    {
        if (IsRequest(m) && !Sender.IsNobody()) _replyTo = Sender;
        Stash.Stash();
    }

    private static bool IsRequest(object m) => m is InitializeTower or BeginStep or ForwardSegment or BackwardSegment or ApplyUpdate
        or SaveShard or GetTowerWeights or SetTowerWeights;

    private void Relay(WireRoute route)
    {
        _route = route;
        Become(() => Relaying(readyAnnounced: false));
        Stash.UnstashAll();
    }

    /// <param name="readyAnnounced">Whether the parent was told that the tower's first TowerReady went through.</param>
    private void Relaying(bool readyAnnounced)
    {
        Receive<object>(IsRequest, m =>
        {
            _replyTo = Sender;
            var pool = _pixelBuffers;
            Action? written = null;
            if (m is BeginStep begin && pool is not null)
            {
                if (_route!.UsesDataChannel) written = () => pool.Release(begin.Batch.Pixels);
                else _readingPixels = (begin.Step, begin.Batch.Pixels);
            }
            if (!_route!.Send(_route.Outgoing(m, _precision), Self, written))
                Lost($"the data channel to {_towerNode.Node} is closed");
            foreach (var early in _early) _replyTo.Tell(TowerWire.FromWire(early), Self);
            _early.Clear();
        });
        Receive<object>(m => m is TowerReady or WireSegmentOutput or WireInputGradient or BackwardDone or UpdateApplied or ShardSaved
            or ShardSaveFailed or WireTowerWeights or TowerFailed or SegmentOutput or InputGradient or TowerWeights, m =>
        {
            if (_replyTo.IsNobody())
            {
                _early.Add(m);
                return;
            }
            var reply = TowerWire.FromWire(m);
            if (reply is SegmentOutput { Segment: Segment.Stem } stem && _readingPixels is { } read && read.Step == stem.Step)
            {
                _pixelBuffers!.Release(read.Pixels);
                _readingPixels = null;
            }
            _replyTo.Tell(reply, Self);
            if (m is TowerReady && !readyAnnounced)
            {
                Context.Parent.Tell(new ReadyRelayed(_index));
                Become(() => Relaying(readyAnnounced: true));
            }
        });
        Gone();
    }

    private void Gone()
    {
        Receive<Terminated>(m => m.ActorRef.Equals(_seat.Endpoint), _ => Lost($"tower node {_towerNode.Node} is gone (its tower actor stopped or the node is unreachable)"));
        Receive<LinkLost>(m => Lost($"the data channel to {m.Peer} failed: {m.Reason}"));
        Receive<PeerGone>(m => Lost(m.Reason));
        Receive<Detached>(m => Lost($"the tower endpoint detached: {m.Reason}"));
    }

    private void Lost(string reason)
    {
        _log.Error("tower {0}: {1}", _index, reason);
        if (!_replyTo.IsNobody()) _replyTo.Tell(new TowerLost(_index, reason), Self);
        Context.Stop(Self);
    }

    protected override void PostStop()
    {
        if (!_dataChannel.IsNobody()) _dataChannel.Tell(new UnregisterEndpoint(EndpointRegistry.IdOf(Self)));
        foreach (var held in Stash.ClearStash()) TowerWire.DisposeTensors(held.Message);
        foreach (var early in _early) TowerWire.DisposeTensors(early);
    }
}
