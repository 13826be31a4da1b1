using Akka.Actor;
using AlexNet.Actors.Protocol;
using AlexNet.Data;

namespace AlexNet.Actors.Coordination;

/// <summary>One batch the run will consume, in consumption order.</summary>
public readonly record struct BatchKey(DataSplit Split, long Epoch, int Index, int BatchSize, BatchView View);

/// <summary>
/// The coordinator's window onto the loaders: asks for the batches the run will need next, in
/// the order it will need them, never having more than <c>maxOutstanding</c> asked for and not
/// yet consumed (back-pressure: loaders' mailboxes and the ready buffer stay bounded). Batches
/// may arrive in any order; they are handed out in schedule order. Requests go round-robin to
/// the loaders present; a lost loader's requests go to the others.
/// </summary>
public sealed class BatchPrefetcher(IEnumerable<BatchKey> schedule, int maxOutstanding)
{
    private readonly IEnumerator<BatchKey> _schedule = schedule.GetEnumerator();
    private readonly Queue<BatchKey> _order = new();
    private readonly Dictionary<BatchKey, IActorRef> _requested = new();
    private readonly Dictionary<BatchKey, BatchReady> _ready = new();
    private readonly Dictionary<BatchKey, int> _failures = new();
    private readonly List<IActorRef> _loaders = new();
    private int _nextLoader;
    private bool _scheduleDone;

    public int Outstanding => _requested.Count + _ready.Count;
    public int MaxOutstanding => maxOutstanding;
    public int PeakOutstanding { get; private set; }
    public IReadOnlyList<IActorRef> Loaders => _loaders;
    /// <summary>True once every scheduled batch has been handed out.</summary>
    public bool Exhausted => _scheduleDone && _order.Count == 0;

    public void AddLoader(IActorRef loader, IActorRef? self = null)
    {
        if (_loaders.Contains(loader)) return;
        _loaders.Add(loader);
        if (self is null) return;
        foreach (var key in _requested.Where(r => r.Value.IsNobody()).Select(r => r.Key).ToList())
            Request(key, self); // batches orphaned while no loader was present
    }

    /// <summary>
    /// Forgets a loader and re-asks the others for what it still owed; false when no loader is left
    /// (its requests then wait for the next <see cref="AddLoader"/>).
    /// </summary>
    public bool RemoveLoader(IActorRef loader, IActorRef self)
    {
        _loaders.Remove(loader);
        var owed = _requested.Where(r => r.Value.Equals(loader)).Select(r => r.Key).ToList();
        if (_loaders.Count == 0)
        {
            foreach (var key in owed) _requested[key] = ActorRefs.Nobody;
            return false;
        }
        foreach (var key in owed) Request(key, self);
        return true;
    }

    /// <summary>
    /// Asks for more batches until the window is full or the schedule ends. With no loader present
    /// the batches are noted as owed and asked for when one joins; the end of the schedule is still
    /// found, so a run whose last loader left after its last batch can finish.
    /// </summary>
    public void Fill(IActorRef self)
    {
        while (Outstanding < maxOutstanding && !_scheduleDone)
        {
            if (!_schedule.MoveNext()) { _scheduleDone = true; break; }
            var key = _schedule.Current;
            _order.Enqueue(key);
            if (_loaders.Count > 0) Request(key, self);
            else _requested[key] = ActorRefs.Nobody;
        }
        PeakOutstanding = Math.Max(PeakOutstanding, Outstanding);
    }

    /// <summary>The batch due next, if it has not arrived, and the loader asked for it (Nobody while no loader is present).</summary>
    public (BatchKey Key, IActorRef Loader)? Awaited =>
        _order.TryPeek(out var key) && _requested.TryGetValue(key, out var loader) ? (key, loader) : null;

    private void Request(BatchKey key, IActorRef self)
    {
        var loader = _loaders[_nextLoader++ % _loaders.Count];
        _requested[key] = loader;
        loader.Tell(new LoadBatch(key.Split, key.Epoch, key.Index, key.BatchSize, key.View), self);
    }

    /// <summary>Stores a delivered batch; a duplicate or unrequested one is ignored.</summary>
    public void Deliver(BatchReady ready)
    {
        if (Requested(ready.Split, ready.Batch.Epoch, ready.Batch.Index) is not { } key) return;
        _requested.Remove(key);
        _failures.Remove(key);
        _ready[key] = ready;
    }

    /// <summary>
    /// Counts a loader's failure to build a batch still asked for; returns how often that batch has
    /// failed, or 0 for a failure of one no longer outstanding (stale, e.g. already re-asked and delivered).
    /// </summary>
    public int Failed(DataSplit split, long epoch, int index)
    {
        if (Requested(split, epoch, index) is not { } key) return 0;
        return _failures[key] = _failures.GetValueOrDefault(key) + 1;
    }

    /// <summary>Asks for a failed batch again, from the next loader in turn (it may read other storage).</summary>
    public void Retry(DataSplit split, long epoch, int index, IActorRef self)
    {
        if (Requested(split, epoch, index) is { } key && _loaders.Count > 0) Request(key, self);
    }

    private BatchKey? Requested(DataSplit split, long epoch, int index)
    {
        foreach (var k in _requested.Keys)
            if (k.Split == split && k.Epoch == epoch && k.Index == index) return k;
        return null;
    }

    /// <summary>The batch due next, if it has arrived; the caller then owns it.</summary>
    public bool TryTakeNext(out BatchKey key, out BatchReady? batch)
    {
        batch = null;
        key = default;
        if (_order.Count == 0) return false;
        key = _order.Peek();
        if (!_ready.Remove(key, out batch)) return false;
        _order.Dequeue();
        return true;
    }
}
