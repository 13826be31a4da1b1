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
/// (through Akka.Remote when there is none). With a <see cref="PixelBufferPool"/>, the loader writes
/// each batch into a pooled buffer, which comes back to the pool once the batch is in the data
/// channel's socket (a batch passed by reference or through Akka.Remote keeps its buffer).
/// States: Detached → Linking → Serving.
/// </summary>
public sealed class LoaderEndpoint : ProxiedEndpoint
{
    private readonly IActorRef _loader;
    private readonly PixelBufferPool? _pixelBuffers;

    public LoaderEndpoint(LoaderData data, AugmentationSettings augmentation, long seed, ChannelPoint selfNode, IActorRef dataChannel,
        PixelBufferPool? pixelBuffers = null)
        : base("loader", selfNode, dataChannel)
    {
        _pixelBuffers = pixelBuffers;
        _loader = Context.ActorOf(DataLoaderActor.Props(data, augmentation, seed, pixelBuffers), "loader");
    }

    public static Props Props(LoaderData data, AugmentationSettings augmentation, long seed, ChannelPoint selfNode, IActorRef dataChannel,
        PixelBufferPool? pixelBuffers = null) =>
        Akka.Actor.Props.Create(() => new LoaderEndpoint(data, augmentation, seed, selfNode, dataChannel, pixelBuffers));

    protected override string Description => _loader.Path.ToString();

    protected override void Serving()
    {
        Attachment();
        Receive<object>(m => m is DescribeData or LoadBatch, m => _loader.Tell(m, Self));
        Receive<object>(m => m is DataDescription or BatchReady or BatchFailed, m =>
        {
            var pool = _pixelBuffers;
            Action? written = m is BatchReady ready && pool is not null ? () => pool.Return(ready.Batch.Pixels) : null;
            if (!Route!.Send(m, Self, written)) Log.Error("loader endpoint {0}: the data channel is closed; a {1} was lost", Self.Path.Name, m.GetType().Name);
        });
    }
}
