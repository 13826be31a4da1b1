using Akka.Actor;
using Akka.Event;
using AlexNet.Actors.Protocol;
using AlexNet.Actors.Towers;
using AlexNet.Cluster.Channel;
using AlexNet.Cluster.Protocol;
using AlexNet.Cluster.Wire;
using AlexNet.Data;
using AlexNet.Model;

namespace AlexNet.Cluster.Proxies;

/// <summary>
/// A tower node's end of a tower: parent of the local <see cref="TowerActor"/> (one device), which
/// it feeds with the messages its <see cref="RemoteTowerProxy"/> sends (tensors rebuilt on this
/// node, belonging to the tower) and whose replies it sends back in wire form. Each
/// <see cref="Attach"/> starts a fresh tower actor (a new run, or a new coordinator after a
/// fail-over, initialises it from scratch). A batch that arrived on the wire (its pixels read into
/// the node's <see cref="PixelBufferPool"/>) goes back to the pool once the tower has answered its
/// step with the stem's output, as the tower reads the pixels only when the step begins.
/// States: Detached → Linking → Serving.
/// </summary>
public sealed class TowerEndpoint : ProxiedEndpoint
{
    private readonly string _device;
    private readonly int _intraOpThreads;
    private readonly WirePrecision _precision;
    private IActorRef _tower = ActorRefs.Nobody;
    private int _generation;
    private int _index = -1;
    private readonly PixelBufferPool? _pixelBuffers;
    private (long Step, byte[] Pixels)? _stepPixels; // the current step's batch, read by the tower when the step begins

    public TowerEndpoint(string device, int intraOpThreads, ChannelPoint selfNode, IActorRef dataChannel, WirePrecision precision,
        PixelBufferPool? pixelBuffers = null)
        : base("tower", selfNode, dataChannel)
    {
        (_device, _intraOpThreads, _precision, _pixelBuffers) = (device, intraOpThreads, precision, pixelBuffers);
    }

    public static Props Props(string device, int intraOpThreads, ChannelPoint selfNode, IActorRef dataChannel, WirePrecision precision,
        PixelBufferPool? pixelBuffers = null) =>
        Akka.Actor.Props.Create(() => new TowerEndpoint(device, intraOpThreads, selfNode, dataChannel, precision, pixelBuffers))
            .WithDispatcher("akka.actor.wire-dispatcher");

    // A tower that throws is stopped, never restarted with fresh weights; Terminated then reports it.
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    protected override string Description => $"{_device} tower at {Self.Path}";

    /// <summary>Every attachment starts a fresh tower actor: a new run or coordinator initialises it from scratch.</summary>
    protected override void BeforeAttach()
    {
        StopTower();
        _tower = Context.ActorOf(TowerActor.Props(_device, _intraOpThreads), $"tower-{++_generation}");
        Context.Watch(_tower);
        _index = -1;
    }

    protected override void Serving()
    {
        Attachment();
        Receive<object>(m => m is WireInitializeTower or BeginStep or WireForwardSegment or WireBackwardSegment or ApplyUpdate or SaveShard
            or GetTowerWeights or WireSetTowerWeights or InitializeTower or ForwardSegment or BackwardSegment or SetTowerWeights, m =>
        {
            if (m is WireInitializeTower or InitializeTower) _index = m is WireInitializeTower w ? w.Index : ((InitializeTower)m).Index;
            // Only a batch the data channel read into this node's pool goes back to it: one passed by
            // reference is the coordinator's, one from Akka.Remote a plain array the pool would only hold.
            if (m is BeginStep begin) _stepPixels = Route!.UsesDataChannel ? (begin.Step, begin.Batch.Pixels) : null;
            _tower.Tell(TowerWire.FromWire(m), Self);
        });
        Receive<object>(m => Sender.Equals(_tower) && m is TowerReady or SegmentOutput or InputGradient or BackwardDone or UpdateApplied
            or ShardSaved or ShardSaveFailed or TowerWeights or TowerFailed, m =>
        {
            if (m is SegmentOutput { Segment: Segment.Stem } stem && _stepPixels is { } read && read.Step == stem.Step)
            {
                _pixelBuffers?.Return(read.Pixels); // the tower made its input from them before it answered
                _stepPixels = null;
            }
            if (!Route!.Send(Route.Outgoing(m, _precision), Self))
                Log.Error("tower endpoint {0}: the data channel to the coordinator is closed; a {1} was lost", Self.Path.Name, m.GetType().Name);
        });
        Receive<Terminated>(m => m.ActorRef.Equals(_tower), _ =>
        {
            Route!.Send(new TowerFailed(_index, -1, $"the tower actor on {SelfNode.Node} ({_device}) crashed"), Self);
            _tower = ActorRefs.Nobody;
            Detach("its tower actor crashed");
        });
        ReceiveAny(m => TowerWire.DisposeTensors(m));
    }

    /// <summary>The coordinator went away: free the tower (its weights are the coordinator's to restore).</summary>
    protected override void OnDetach() => StopTower();

    private void StopTower()
    {
        _stepPixels = null; // a stopped tower may still be reading them: left to the GC
        if (!_tower.IsNobody()) { Context.Unwatch(_tower); Context.Stop(_tower); }
        _tower = ActorRefs.Nobody;
    }
}
