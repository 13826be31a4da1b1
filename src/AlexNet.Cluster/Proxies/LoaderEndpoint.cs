using Akka.Actor;
using Akka.Event;
using AlexNet.Actors.Loading;
using AlexNet.Actors.Protocol;
using AlexNet.Cluster.Channel;
using AlexNet.Cluster.Protocol;
using AlexNet.Data;

namespace AlexNet.Cluster.Proxies;

/// <summary>
/// A loader node's end of a data loader: parent of a local <see cref="DataLoaderActor"/>, which it
/// feeds with its <see cref="RemoteLoaderProxy"/>'s requests; batches go back on the data channel
/// (through Akka.Remote when there is none). States: Detached → Linking → Serving.
/// </summary>
public sealed class LoaderEndpoint : ReceiveActor, IWithUnboundedStash
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ChannelPoint _selfNode;
    private readonly IActorRef _dataChannel;
    private readonly IActorRef _loader;
    private IActorRef _proxy = ActorRefs.Nobody;
    private WireRoute? _route;

    public IStash Stash { get; set; } = null!;

    public LoaderEndpoint(LoaderData data, AugmentationSettings augmentation, long seed, ChannelPoint selfNode, IActorRef dataChannel)
    {
        (_selfNode, _dataChannel) = (selfNode, dataChannel);
        _loader = Context.ActorOf(DataLoaderActor.Props(data, augmentation, seed), "loader");
        Become(Detached);
    }

    public static Props Props(LoaderData data, AugmentationSettings augmentation, long seed, ChannelPoint selfNode, IActorRef dataChannel) =>
        Akka.Actor.Props.Create(() => new LoaderEndpoint(data, augmentation, seed, selfNode, dataChannel));

    protected override void PreStart()
    {
        if (!_dataChannel.IsNobody()) _dataChannel.Tell(new RegisterEndpoint(EndpointRegistry.IdOf(Self), Self));
    }

    private void Detached()
    {
        Receive<Attach>(OnAttach);
        Receive<LinkLost>(_ => { }); // the link of a coordinator already gone
        ReceiveAny(m => _log.Warning("loader endpoint {0}: {1} while no coordinator is attached; ignored", Self.Path.Name, m.GetType().Name));
    }

    private void OnAttach(Attach m)
    {
        if (!_proxy.IsNobody()) Context.Unwatch(_proxy);
        _proxy = m.Proxy;
        Context.Watch(_proxy);
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
        _proxy.Tell(new Attached($"{_loader.Path}{(route.UsesDataChannel ? ", data channel" : ", Akka.Remote only")}"), Self);
        Become(Serving);
        Stash.UnstashAll();
    }

    private void Serving()
    {
        Receive<Attach>(OnAttach);
        Receive<object>(m => m is DescribeData or LoadBatch, m => _loader.Tell(m, Self));
        Receive<object>(m => m is DataDescription or BatchReady or BatchFailed, m =>
        {
            if (!_route!.Send(m, Self)) _log.Error("loader endpoint {0}: the data channel is closed; a {1} was lost", Self.Path.Name, m.GetType().Name);
        });
        Receive<Terminated>(m => m.ActorRef.Equals(_proxy), _ => Detach("the coordinator's proxy is gone"));
        Receive<LinkLost>(m => Detach($"the data channel to {m.Peer} failed: {m.Reason}"));
    }

    private void Detach(string why)
    {
        _log.Warning("loader endpoint {0} detached: {1}", Self.Path.Name, why);
        _proxy = ActorRefs.Nobody;
        _route = null;
        Become(Detached);
    }

    protected override void PostStop()
    {
        if (!_dataChannel.IsNobody()) _dataChannel.Tell(new UnregisterEndpoint(EndpointRegistry.IdOf(Self)));
    }
}
