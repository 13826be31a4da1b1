using Akka.Actor;
using AlexNet.Actors.Hosting;
using AlexNet.Actors.Loading;
using AlexNet.Actors.Protocol;
using AlexNet.Data;

namespace AlexNet.Cli.Commands;

/// <summary>
/// `alexnet bench-loader` stage (c): what data-loader actors deliver to a consumer in their own
/// process, the way a local run uses them: on the loader dispatcher, asked for training batches by
/// number, each batch's buffer handed back to the <see cref="PixelBufferPool"/> after use (or, without
/// a pool, left to the collector as the cluster path does).
/// </summary>
public static class LoaderActorThroughput
{
    public static Throughput Measure(IImageDataset records, DatasetStatistics statistics, int crop, int batch, int loaders,
        PixelBufferPool? pool, TimeSpan round, int rounds)
    {
        // Epochs of 256 batches: the records repeat, the augmentation draws do not.
        var train = new CyclicDataset(records, 256 * batch);
        var data = new LoaderData("bench", train, records, statistics);
        using var system = ActorSystem.Create("bench-loader", HoconFiles.Reference);
        try
        {
            var actors = Enumerable.Range(0, loaders)
                .Select(l => system.ActorOf(DataLoaderActor.Props(data, new AugmentationSettings(Crop: crop), seed: 1, pool), $"loader-{l}")).ToArray();
            int perEpoch = train.Count / batch;
            long next = 0;
            // One driver thread per loader actor, one batch outstanding each: the ask's round trip is
            // microseconds against the milliseconds of a batch, so the loader is never idle for long.
            return ThroughputMeter.Measure(loaders, round, rounds, (w, _) =>
            {
                long n = Interlocked.Increment(ref next);
                var reply = actors[w].Ask<object>(new LoadBatch(DataSplit.Train, n / perEpoch, (int)(n % perEpoch), batch, BatchView.Train), TimeSpan.FromMinutes(1)).Result;
                var ready = reply as BatchReady ?? throw new InvalidOperationException($"loader {w}: {((BatchFailed)reply).Reason}");
                pool?.Return(ready.Batch.Pixels);
                return ready.Batch.Count;
            });
        }
        finally
        {
            system.Terminate().Wait();
        }
    }

    /// <summary><paramref name="inner"/>'s images over and over, as a dataset of <paramref name="count"/>.</summary>
    private sealed class CyclicDataset(IImageDataset inner, int count) : IImageDataset
    {
        public int Count => count;
        public IReadOnlyList<string> ClassNames => inner.ClassNames;
        public int ImageSide => inner.ImageSide;
        public int Label(int index) => inner.Label(index % inner.Count);
        public void ReadPixels(int index, Span<byte> rgbHwc) => inner.ReadPixels(index % inner.Count, rgbHwc);
    }
}
