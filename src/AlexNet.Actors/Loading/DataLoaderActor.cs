using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using AlexNet.Actors.Protocol;
using AlexNet.Data;

namespace AlexNet.Actors.Loading;

/// <summary>
/// Builds augmented batches on request. Any loader can build any batch: a batch is a pure
/// function of (seed, split, epoch, index), so the coordinator hands batch numbers to whichever
/// loaders exist, and no sample is lost or repeated when one goes away. Runs on a thread of its
/// own; its mailbox holds at most what the coordinator allows in flight.
/// </summary>
public sealed class DataLoaderActor : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly LoaderData _data;
    private readonly BatchAssembler _train;
    private readonly BatchAssembler _validation;
    private readonly long _seed;
    private EpochPlan? _plan;

    public DataLoaderActor(LoaderData data, AugmentationSettings augmentation, long seed)
    {
        _data = data;
        _seed = seed;
        _train = new BatchAssembler(data.Train, data.Statistics, augmentation, seed);
        _validation = new BatchAssembler(data.Validation, data.Statistics, augmentation with { LightingStd = 0 }, seed);
        Receive<DescribeData>(_ => Sender.Tell(new DataDescription(
            data.Name, data.Train.Count, data.Validation.Count, data.Train.ClassNames, data.Train.ImageSide, data.Statistics)));
        Receive<LoadBatch>(Load);
    }

    public static Props Props(LoaderData data, AugmentationSettings augmentation, long seed) =>
        Akka.Actor.Props.Create(() => new DataLoaderActor(data, augmentation, seed)).WithDispatcher("akka.actor.loader-dispatcher");

    private void Load(LoadBatch m)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            ImageBatch batch;
            if (m.Split == DataSplit.Train)
            {
                if (_plan is null || _plan.BatchSize != m.BatchSize) _plan = new EpochPlan(_seed, _data.Train.Count, m.BatchSize);
                batch = _train.Assemble(m.Epoch, m.Index, _plan.Batch(m.Epoch, m.Index), m.View);
            }
            else
            {
                int start = m.Index * m.BatchSize, count = Math.Min(m.BatchSize, _data.Validation.Count - start);
                if (count <= 0) throw new ArgumentOutOfRangeException(nameof(m), $"validation batch {m.Index} is past the end ({_data.Validation.Count} images)");
                batch = _validation.Assemble(m.Epoch, m.Index, Enumerable.Range(start, count).ToArray(), m.View);
            }
            Sender.Tell(new BatchReady(m.Split, batch, clock.Elapsed));
        }
        catch (Exception e)
        {
            _log.Error(e, "batch {0} {1}/{2} failed", m.Split, m.Epoch, m.Index);
            Sender.Tell(new BatchFailed(m.Split, m.Epoch, m.Index, $"{e.GetType().Name}: {e.Message}"));
        }
    }
}
