using Akka.Actor;
using Akka.Event;
using AlexNet.Actors.Protocol;
using AlexNet.Cluster.Channel;
using AlexNet.Cluster.Protocol;

namespace AlexNet.Cluster.Proxies;

/// <summary>
/// Stands in, on the coordinator's node, for a data-loader actor on another node. Requests
/// (<see cref="DescribeData"/>, <see cref="LoadBatch"/>) go through Akka.Remote; batches come back on
/// the data channel. When the loader's node goes away the proxy stops, and the coordinator's
/// DeathWatch hands the batches it still owed to the other loaders. Its node's data-channel connection
/// to this node ending counts as going away (<see cref="WatchPeer"/>): a SIGKILLed loader node is
/// noticed at once, not when the cluster finds it unreachable. Its parent, the run host, hears when it is
/// attached (<see cref="LoaderAttached"/>) and when it stops because the connection ended
/// (<see cref="LoaderConnectionLost"/>): a node still in the cluster gets a new proxy. States: Attaching → Relaying.
/// </summary>
public sealed class RemoteLoaderProxy : ReceiveActor, IWithUnboundedStash
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IActorRef _endpoint;
    private readonly ChannelPoint _loaderNode;
    private readonly ChannelPoint _selfNode;
    private readonly IActorRef _dataChannel;
    private IActorRef _replyTo = ActorRefs.Nobody;
    private WireRoute? _route;

    public IStash Stash { get; set; } = null!;

    public RemoteLoaderProxy(IActorRef endpoint, ChannelPoint loaderNode, ChannelPoint selfNode, IActorRef dataChannel)
    {
        (_endpoint, _loaderNode, _selfNode, _dataChannel) = (endpoint, loaderNode, selfNode, dataChannel);
        Become(Attaching);
    }

    public static Props Props(IActorRef endpoint, ChannelPoint loaderNode, ChannelPoint selfNode, IActorRef dataChannel) =>
        Akka.Actor.Props.Create(() => new RemoteLoaderProxy(endpoint, loaderNode, selfNode, dataChannel));

    protected override void PreStart()
    {
        Context.Watch(_endpoint);
        if (!_dataChannel.IsNobody()) _dataChannel.Tell(new RegisterEndpoint(EndpointRegistry.IdOf(Self), Self));
        // Batches come on the loader node's connection to this one: its end is the loader's.
        if (!_dataChannel.IsNobody() && _selfNode.Enabled && _loaderNode.Enabled && _loaderNode.Node != _selfNode.Node)
            _dataChannel.Tell(new WatchPeer(_loaderNode.Node));
        _endpoint.Tell(new Attach(Self, _selfNode));
    }

    private void Attaching()
    {
        Receive<Attached>(m =>
        {
            _log.Info("loader {0} on {1}", m.Description, _loaderNode.Node);
            Context.Parent.Tell(new LoaderAttached(_endpoint));
            // Batches come to this node: only the loader's end opens a link (to us).
            Relay(new WireRoute(_endpoint, null));
        });
        Gone();
        ReceiveAny(_ => { if (!Sender.IsNobody()) _replyTo = Sender; Stash.Stash(); });
    }

    private void Relay(WireRoute route)
    {
        _route = route;
        Become(Relaying);
        Stash.UnstashAll();
    }

    private void Relaying()
    {
        Receive<object>(m => m is DescribeData or LoadBatch, m =>
        {
            _replyTo = Sender;
            _route!.Send(m, Self);
        });
        Receive<object>(m => m is DataDescription or BatchReady or BatchFailed, m => _replyTo.Tell(m, Self));
        Gone();
    }

    private void Gone()
    {
        Receive<Terminated>(m => m.ActorRef.Equals(_endpoint), _ => Stop($"loader node {_loaderNode.Node} is gone"));
        Receive<PeerGone>(m => Stop(m.Reason, connectionLost: true));
        Receive<LinkLost>(m => Stop($"the data channel from {m.Peer} failed: {m.Reason}", connectionLost: true));
        Receive<Detached>(m => Stop($"the loader endpoint detached: {m.Reason}", connectionLost: true));
    }

    /// <param name="connectionLost">The loader may still be there (not its endpoint's death): the run host may attach again.</param>
    private void Stop(string reason, bool connectionLost = false)
    {
        _log.Warning("loader proxy {0}: {1}", Self.Path.Name, reason);
        if (connectionLost) Context.Parent.Tell(new LoaderConnectionLost(_endpoint, _loaderNode, reason));
        Context.Stop(Self);
    }

    protected override void PostStop()
    {
        if (!_dataChannel.IsNobody()) _dataChannel.Tell(new UnregisterEndpoint(EndpointRegistry.IdOf(Self)));
    }
}
