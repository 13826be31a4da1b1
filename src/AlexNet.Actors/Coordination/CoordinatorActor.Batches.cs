using Akka.Actor;
using AlexNet.Actors.Protocol;
using AlexNet.Data;
using static TorchSharp.torch;

namespace AlexNet.Actors.Coordination;

/// <summary>
/// The coordinator's side of the data: which loaders there are (before and during the run), batches
/// delivered, failed and overdue, and the next batch's input made while the current step runs.
/// </summary>
public sealed partial class CoordinatorActor
{
    /// <summary>Asks the first loader present what data it serves (no loader: wait for one to join, up to the step timeout).</summary>
    private void AskForDescription()
    {
        if (_startLoaders.Count == 0)
        {
            ArmTimeout("waiting for a data loader to join");
            return;
        }
        _startLoaders[0].Tell(new DescribeData());
        ArmTimeout("waiting for the data description from loader " + _startLoaders[0].Path.Name);
    }

    private void DropStartLoader(IActorRef loader)
    {
        if (!_startLoaders.Contains(loader)) return; // not one of this run's (or already dropped)
        Context.Unwatch(loader);
        bool wasAsked = _startLoaders.IndexOf(loader) == 0;
        _startLoaders.Remove(loader);
        Notice($"data loader {loader.Path} went away before the run started ({_startLoaders.Count} left)", isError: _startLoaders.Count == 0);
        if (wasAsked) AskForDescription();
    }

    private bool NoBatchesLeft => _prefetcher.Exhausted && _ahead is null;

    /// <summary>Times the wait for the batch due next (once per batch: others arriving meanwhile do not restart the clock).</summary>
    private void WatchAwaitedBatch()
    {
        var awaited = _prefetcher.Awaited;
        if (awaited is null || awaited.Value.Key == _watchedBatch) return;
        var (key, loader) = awaited.Value;
        ArmTimeout($"waiting for {BatchName(key.Split, key.Epoch, key.Index)} " +
                   (loader.IsNobody() ? "while no data loader is present" : $"from data loader {loader.Path}"));
        _watchedBatch = key;
    }

    /// <summary>
    /// The batch due next did not come within the step timeout. With loaders of other nodes present,
    /// the one asked for it is taken off the run (hung, or cut off without its node leaving the
    /// cluster) together with every other loader of its node, which would each cost another timeout,
    /// and their batches go to the others; the listener is told (<see cref="LoaderDropped"/>).
    /// Otherwise the run ends, saying what it waited for.
    /// </summary>
    private void OnBatchOverdue(PhaseTimedOut m)
    {
        if (_prefetcher.Awaited is { } awaited && !awaited.Loader.IsNobody())
        {
            var hung = awaited.Loader;
            var node = _loaderNodes.GetValueOrDefault(hung);
            var fellows = _prefetcher.Loaders.Where(l => l.Equals(hung) || node is not null && _loaderNodes.GetValueOrDefault(l) == node).ToList();
            if (_prefetcher.Loaders.Count > fellows.Count)
            {
                string reason = $"did not deliver {BatchName(awaited.Key.Split, awaited.Key.Epoch, awaited.Key.Index)} within {_settings.StepTimeout}";
                foreach (var fellow in fellows.Where(f => !f.Equals(hung)))
                    LoseLoader(fellow, $"is on the same node as data loader {hung.Path.Name} ({node}), which {reason}: taken off the run with it");
                LoseLoader(hung, reason);
                _listener.Tell(new LoaderDropped(hung, reason));
                _watchedBatch = null;
                WatchAwaitedBatch();
                return;
            }
        }
        Fail($"timed out after {_settings.StepTimeout}: {m.What}");
    }

    /// <summary>The batch due next with its inputs made, if it has arrived; tops the prefetch window up.</summary>
    private PreparedBatch? TakeNext()
    {
        if (!_prefetcher.TryTakeNext(out var key, out var ready)) return null;
        _prefetcher.Fill(Self);
        var batch = ready!.Batch;
        if (!_shareInputs) return new PreparedBatch(key, batch, new Dictionary<string, Tensor>());
        var inputs = _normalizers.ToDictionary(n => n.Key, n => n.Value.Normalize(batch).DetachFromDisposeScope());
        _pixelBuffers?.Return(batch.Pixels); // every device's input is made; the towers get only those
        return new PreparedBatch(key, batch, inputs);
    }

    /// <summary>While a step runs: make the next batch's inputs now, if it is there, rather than when that step starts.</summary>
    private void PrepareAhead()
    {
        if (_shareInputs && _current is not null && _ahead is null) _ahead = TakeNext();
    }

    private void Batches()
    {
        Receive<LoaderJoined>(m =>
        {
            if (m.Node is not null) _loaderNodes[m.Loader] = m.Node;
            Context.Watch(m.Loader);
            _prefetcher.AddLoader(m.Loader, Self);
            Notice($"data loader {m.Loader.Path} joined ({_prefetcher.Loaders.Count} now)");
            _prefetcher.Fill(Self);
        });
        Receive<LoaderLeft>(m => LoseLoader(m.Loader, "left"));
        Receive<Terminated>(m => _prefetcher.Loaders.Contains(m.ActorRef), m => LoseLoader(m.ActorRef, "stopped"));
        // Kept for later in every other state: only AwaitingBatch starts a step (a batch that came
        // during a checkpoint must not start the next step before the checkpoint is committed).
        Receive<BatchReady>(m =>
        {
            Deliver(m);
            PrepareAhead();
        });
        Receive<BatchFailed>(OnBatchFailed);
        Receive<RetryBatch>(m => _prefetcher.Retry(m.Split, m.Epoch, m.Index, Self));
    }

    /// <summary>
    /// A loader could not build a batch (all its images unreadable, its storage gone): ask again,
    /// after a pause, up to <see cref="BatchAttempts"/> times in all, so that a passing storage
    /// error costs a few seconds, not the run.
    /// </summary>
    private void OnBatchFailed(BatchFailed m)
    {
        string what = $"data loader {Sender.Path.Name} could not build {BatchName(m.Split, m.Epoch, m.Index)}: {m.Reason}";
        int failures = _prefetcher.Failed(m.Split, m.Epoch, m.Index);
        if (failures == 0) return; // already delivered by another loader
        if (failures >= BatchAttempts)
        {
            Fail($"{what} ({failures} attempts)");
            return;
        }
        var pause = TimeSpan.FromSeconds(2 * failures);
        Notice($"{what}; asking again in {pause.TotalSeconds:F0} s (attempt {failures + 1} of {BatchAttempts})", isError: true);
        Timers.StartSingleTimer(("retry", m.Split, m.Epoch, m.Index), new RetryBatch(m.Split, m.Epoch, m.Index), pause);
    }

    private void Deliver(BatchReady m)
    {
        if (m.Batch.Skipped.Count > 0)
            Notice($"{BatchName(m.Split, m.Batch.Epoch, m.Batch.Index)}: left out {m.Batch.Skipped.Count} unreadable image(s), kept " +
                   $"{m.Batch.Count}: " + string.Join("; ", m.Batch.Skipped.Take(3).Select(s => $"image {s.Index}: {s.Reason}")) + (m.Batch.Skipped.Count > 3 ? "; ..." : ""),
                   isError: true);
        _prefetcher.Deliver(m);
    }

    /// <summary>A loader went away: its outstanding batches go to the others; with none left the run waits (up to the step timeout) for one to join.</summary>
    private void LoseLoader(IActorRef loader, string how)
    {
        if (!_prefetcher.Loaders.Contains(loader)) return; // already gone (LoaderLeft and its Terminated both came)
        Context.Unwatch(loader);
        bool others = _prefetcher.RemoveLoader(loader, Self);
        Notice(others
            ? $"data loader {loader.Path} {how}; its batches go to the {_prefetcher.Loaders.Count} other(s)"
            : $"data loader {loader.Path} {how}; no loader is left: waiting for one to join", isError: !others);
    }

    /// <summary>A batch as the run log names it, counting from 1 as the step lines do: "Train batch 3 of epoch 1".</summary>
    private static string BatchName(DataSplit split, long epoch, int index) => $"{split} batch {index + 1} of epoch {epoch + 1}";

    private sealed record RetryBatch(DataSplit Split, long Epoch, int Index);

    /// <summary>How many times one batch is asked for before its failure ends the run.</summary>
    public const int BatchAttempts = 3;
}
