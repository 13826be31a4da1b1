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
    private readonly Props _loaderProps; // a fresh loader actor after each detach
    private readonly PixelBufferPool? _pixelBuffers;
    private IActorRef _loader;
    private int _loaders = 1; // loader actors made so far: one more after each detach

    public LoaderEndpoint(LoaderData data, AugmentationSettings augmentation, long seed, ChannelPoint selfNode, IActorRef dataChannel,
        PixelBufferPool? pixelBuffers = null)
        : base("loader", selfNode, dataChannel)
    {
        _pixelBuffers = pixelBuffers;
        _loaderProps = DataLoaderActor.Props(data, augmentation, seed, pixelBuffers);
        _loader = Context.ActorOf(_loaderProps, "loader");
    }

    /// <summary>
    /// The requests of the coordinator this endpoint served are void once it is detached (that coordinator asks
    /// other loaders for the batches it is owed, or asks again once attached): the loader actor is replaced by a
    /// fresh one, so that the queued ones are dropped rather than delaying the next coordinator's first batches
    /// (by 4 s in ConnectionLossTests before 2026-12-01).
    /// </summary>
    protected override void OnDetach()
    {
        Context.Stop(_loader);
        _loader = Context.ActorOf(_loaderProps, $"loader-{++_loaders}");
    }

    public static Props Props(LoaderData data, AugmentationSettings augmentation, long seed, ChannelPoint selfNode, IActorRef dataChannel,
        PixelBufferPool? pixelBuffers = null) =>
        Akka.Actor.Props.Create(() => new LoaderEndpoint(data, augmentation, seed, selfNode, dataChannel, pixelBuffers));

    protected override string Description => _loader.Path.ToString();

    protected override void Serving()
    {
        Attachment();
        Receive<object>(m => m is DescribeData or LoadBatch, m => _loader.Tell(m, Self));
        Receive<object>(m => m is DataDescription or BatchReady or BatchFailed && !Sender.Equals(_loader), m => // a replaced loader actor's: void
        {
            if (m is BatchReady stale) _pixelBuffers?.Return(stale.Batch.Pixels);
        });
        Receive<object>(m => m is DataDescription or BatchReady or BatchFailed, m =>
        {
            var pool = _pixelBuffers;
            Action? written = m is BatchReady ready && pool is not null ? () => pool.Return(ready.Batch.Pixels) : null;
            if (!Route!.Send(m, Self, written)) Log.Error("loader endpoint {0}: the data channel is closed; a {1} was lost", Self.Path.Name, m.GetType().Name);
        });
    }
}
