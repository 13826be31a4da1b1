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
public sealed class LoaderEndpoint : ProxiedEndpoint
{
    private readonly IActorRef _loader;

    public LoaderEndpoint(LoaderData data, AugmentationSettings augmentation, long seed, ChannelPoint selfNode, IActorRef dataChannel)
        : base("loader", selfNode, dataChannel)
    {
        _loader = Context.ActorOf(DataLoaderActor.Props(data, augmentation, seed), "loader");
    }

    public static Props Props(LoaderData data, AugmentationSettings augmentation, long seed, ChannelPoint selfNode, IActorRef dataChannel) =>
        Akka.Actor.Props.Create(() => new LoaderEndpoint(data, augmentation, seed, selfNode, dataChannel));

    protected override string Description => _loader.Path.ToString();

    protected override void Serving()
    {
        Attachment();
        Receive<object>(m => m is DescribeData or LoadBatch, m => _loader.Tell(m, Self));
        Receive<object>(m => m is DataDescription or BatchReady or BatchFailed, m =>
        {
            if (!Route!.Send(m, Self)) Log.Error("loader endpoint {0}: the data channel is closed; a {1} was lost", Self.Path.Name, m.GetType().Name);
        });
    }
}
