namespace AlexNet.Data;

/// <summary>
/// Which samples make up each batch of an epoch: batch b of epoch e holds positions
/// [b·B, (b+1)·B) of the epoch's seeded permutation. A pure function of (seed, epoch, b), so any
/// loader can build any batch, the coordinator can hand batch numbers to whichever loaders exist,
/// and no sample is lost or repeated within an epoch. The last partial batch is dropped in training.
/// </summary>
public sealed class EpochPlan
{
    private readonly long _seed;
    private readonly int _count;
    private long _cachedEpoch = -1;
    private int[]? _cachedOrder;
    private readonly object _gate = new();

    public int BatchSize { get; }
    public int BatchesPerEpoch => _count / BatchSize;

    public EpochPlan(long seed, int datasetCount, int batchSize)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize));
        if (datasetCount < batchSize) throw new ArgumentException($"dataset of {datasetCount} images is smaller than one batch ({batchSize})");
        _seed = seed; _count = datasetCount; BatchSize = batchSize;
    }

    public int[] Order(long epoch)
    {
        lock (_gate)
        {
            if (_cachedEpoch != epoch || _cachedOrder is null)
            {
                _cachedOrder = SeededRandom.Permutation(_count, _seed, epoch, 0x0D0E);
                _cachedEpoch = epoch;
            }
            return _cachedOrder;
        }
    }

    public int[] Batch(long epoch, int batch)
    {
        if (batch < 0 || batch >= BatchesPerEpoch) throw new ArgumentOutOfRangeException(nameof(batch));
        return Order(epoch).AsSpan(batch * BatchSize, BatchSize).ToArray();
    }
}
