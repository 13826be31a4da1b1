using static TorchSharp.torch;

namespace AlexNet.Actors.Inference;

/// <summary>One neighbour found: a dataset index and its Euclidean distance to the query in feature space.</summary>
public readonly record struct Neighbour(int Index, double Distance);

/// <summary>
/// The k nearest candidates to each query by Euclidean distance, found while candidates stream
/// past batch by batch, so the candidates' features (4096 floats per image at full width) never
/// need to be held all at once.
/// </summary>
public sealed class NeighbourSearch : IDisposable
{
    private readonly Tensor _queries;   // [q, d]
    private readonly int _k;
    private Tensor? _bestDistances;     // [q, ≤k], ascending
    private Tensor? _bestIndices;       // [q, ≤k], dataset indices

    /// <param name="queries">[q, d] features; copied, the caller keeps its tensor.</param>
    public NeighbourSearch(Tensor queries, int k)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), "k must be at least 1");
        _queries = queries.detach().clone().DetachFromDisposeScope();
        _k = k;
    }

    /// <summary>Considers a batch of candidates: [b, d] features and their b dataset indices.</summary>
    public void Add(Tensor candidates, IReadOnlyList<int> indices)
    {
        using var scope = NewDisposeScope();
        var distances = cdist(_queries, candidates.to(_queries.device));
        var ids = tensor(indices.Select(i => (long)i).ToArray(), device: _queries.device).unsqueeze(0).expand(_queries.shape[0], -1);
        if (_bestDistances is not null)
        {
            distances = cat(new[] { _bestDistances, distances }, 1);
            ids = cat(new[] { _bestIndices!, ids }, 1);
        }
        var (kept, order) = distances.topk((int)Math.Min(_k, distances.shape[1]), dim: 1, largest: false, sorted: true);
        var keptIds = ids.gather(1, order);
        _bestDistances?.Dispose();
        _bestIndices?.Dispose();
        _bestDistances = kept.DetachFromDisposeScope();
        _bestIndices = keptIds.DetachFromDisposeScope();
    }

    /// <summary>For each query, its nearest candidates, nearest first.</summary>
    public Neighbour[][] Result()
    {
        if (_bestDistances is null) return Enumerable.Range(0, (int)_queries.shape[0]).Select(_ => Array.Empty<Neighbour>()).ToArray();
        using var scope = NewDisposeScope();
        var d = _bestDistances.to(ScalarType.Float64).cpu().data<double>().ToArray();
        var i = _bestIndices!.cpu().data<long>().ToArray();
        int q = (int)_bestDistances.shape[0], k = (int)_bestDistances.shape[1];
        return Enumerable.Range(0, q).Select(r => Enumerable.Range(0, k).Select(c => new Neighbour((int)i[r * k + c], d[r * k + c])).ToArray()).ToArray();
    }

    public void Dispose()
    {
        _queries.Dispose();
        _bestDistances?.Dispose();
        _bestIndices?.Dispose();
    }
}
