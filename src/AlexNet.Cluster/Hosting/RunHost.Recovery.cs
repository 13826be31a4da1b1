using Akka.Actor;
using AlexNet.Actors.Checkpoints;
using AlexNet.Actors.Coordination;
using AlexNet.Actors.Protocol;
using AlexNet.Cluster.Protocol;
using AlexNet.Cluster.Proxies;

namespace AlexNet.Cluster.Hosting;

/// <summary>Starting a coordinator, and starting another after a lost tower or a dropped loader node.</summary>
public sealed partial class RunHost
{
    /// <summary>
    /// Starts a coordinator once K towers and a loader are there: the first time, or after a lost
    /// tower (<paramref name="paused"/> = how long the run was paused; the new coordinator then always
    /// resumes from the newest checkpoint). Loaders already in the run keep their proxies.
    /// </summary>
    private void TryStart(TimeSpan? paused)
    {
        int k = _setup.Model.Towers;
        if (_freeTowers.Count < k || _freeLoaders.Count + _loaderProxies.Count == 0 || !HoldsCheckpointLock()) return;
        Timers.Cancel("gather");
        Timers.Cancel("recovery");
        _generation++;
        _towerNodes.Clear();
        _stoppedTowerNodes.Clear();
        var towers = new List<IActorRef>();
        for (int t = 0; t < k; t++)
        {
            var (seat, node) = _freeTowers[t];
            var proxy = Context.ActorOf(RemoteTowerProxy.Props(t, seat, node, _setup.Channel, _setup.DataChannel, _setup.Precision, _setup.PixelBuffers), $"tower-{t}-{_generation}");
            Context.Watch(proxy);
            _towerProxies[proxy] = (t, seat, node);
            _towerNodes[t] = node.Node;
            towers.Add(proxy);
            Notice($"tower {t}: {seat.Device} on {node.Node}");
        }
        _freeTowers.RemoveRange(0, k);
        foreach (var (endpoint, node) in _freeLoaders) NewLoaderProxy(endpoint, node);
        _freeLoaders.Clear();
        var loaders = _loaderProxies.Keys.ToList();
        var training = paused is null ? _setup.Training : _setup.Training with { Resume = true };
        _coordinator = Context.ActorOf(CoordinatorActor.Props(_setup.Model, training, towers, loaders, Self, _setup.CoordinatorDevice,
            pixelBuffers: _setup.PixelBuffers, loaderNodes: new Dictionary<IActorRef, string>(_loaderProxies)), $"coordinator-{_generation}");
        Context.Watch(_coordinator);
        string restarts = $"recovery {_generation - 1 - _releases} of at most {_setup.Recovery.MaxRestarts}" +
                          (_releases > 0 ? $"; {_releases} restart(s) for tower nodes that left in order" : "");
        Notice(paused is { } p
            ? $"resuming the run with {k} tower(s) and {loaders.Count} loader(s) after a pause of {p.TotalSeconds:F1} s ({restarts})"
            : $"starting the run with {k} tower(s) and {loaders.Count} loader(s)");
        Become(() => Starting(0));
    }

    /// <summary>
    /// A tower's node went away. With recovery on and a checkpoint folder: stop the coordinator and
    /// every tower proxy, keep the surviving towers (their endpoints start fresh tower actors when
    /// attached again), ask the lost tower's node to offer itself again in case it is still there,
    /// and wait for K towers. Otherwise the run ends.
    /// </summary>
    private void OnTowerLost(TowerLostFailure lost) => Pause(lost.Reason, _towerNodes.GetValueOrDefault(lost.Tower), planned: false);

    /// <summary>
    /// A tower proxy stopped (Terminated), usually just before the coordinator reports its tower lost: its node is
    /// remembered, so that the recovery asks it to offer itself again if it is still there (its connection cut).
    /// </summary>
    private void ForgetTowerProxy(IActorRef proxy)
    {
        if (_towerProxies.Remove(proxy, out var p)) _stoppedTowerNodes.Add(p.Node.Node);
    }

    /// <summary>
    /// Stops the coordinator and every tower proxy and waits for K towers, from the surviving nodes'
    /// towers and those that come. <paramref name="lostNode"/>: the lost tower's node, asked to offer
    /// itself again in case it is still there (a detached endpoint). <paramref name="planned"/>: tower
    /// nodes left in order (<see cref="_leaving"/>) after the run was checkpointed; that restart is not
    /// counted against max-restarts, which bounds crash loops.
    /// </summary>
    private void Pause(string reason, string? lostNode, bool planned)
    {
        string stopped = planned ? " (the run was checkpointed first: the same command resumes it)" : "";
        if (!_setup.Recovery.Enabled)
        {
            End(new TrainingFailed($"{reason} (recovery is off: alexnet.cluster.recovery.max-restarts = 0){stopped}"));
            return;
        }
        if (_setup.Training.CheckpointDir is not { } dir)
        {
            End(new TrainingFailed($"{reason}; without a checkpoint folder the run cannot recover from a lost tower " +
                                   "(set alexnet.checkpoint.dir, --checkpoint-dir, on the coordinator nodes)"));
            return;
        }
        if (!planned && _generation - _releases > _setup.Recovery.MaxRestarts)
        {
            End(new TrainingFailed($"{reason}; the run has already recovered {_setup.Recovery.MaxRestarts} time(s) (alexnet.cluster.recovery.max-restarts)"));
            return;
        }
        if (planned) _releases++;
        Context.Unwatch(_coordinator);
        Context.Stop(_coordinator);
        _coordinator = ActorRefs.Nobody;
        // Nodes whose towers' proxies stopped (the lost one, and any other whose connection also ended) start afresh:
        // asked below to offer themselves again, in case they are still there.
        var restarted = new HashSet<string>(_stoppedTowerNodes);
        if (lostNode is not null) restarted.Add(lostNode);
        var survivors = _towerProxies.Values.Where(p => !restarted.Contains(p.Node.Node) && !_leaving.Contains(p.Node.Node) && _offered.Contains(p.Node.Node))
            .OrderBy(p => p.Index).Select(p => (p.Seat, p.Node)).ToList();
        foreach (var proxy in _towerProxies.Keys)
        {
            Context.Unwatch(proxy);
            Context.Stop(proxy);
        }
        _towerProxies.Clear();
        // Loaders of nodes that are leaving would be handed to the next coordinator only to drop out.
        StopLoaderProxies(_leaving.Contains);
        _freeTowers.InsertRange(0, survivors);
        foreach (var node in restarted)
        {
            _freeTowers.RemoveAll(t => t.Node.Node == node);
            if (!_offered.Remove(node) || _leaving.Contains(node)) continue; // gone or leaving: not asked
            foreach (var address in _members.Where(a => a.ToString() == node))
                NodeHost(address).Tell(new Enlist(Self, _setup.Profile, _setup.Channel));
        }
        bool hasCheckpoint = new CheckpointStore(dir).Folders().Any();
        bool noLoader = _freeLoaders.Count + _loaderProxies.Count == 0;
        Notice($"{reason}: pausing the run; waiting up to {_setup.Recovery.WaitForTowers} for {_setup.Model.Towers} tower(s) " +
               $"({Math.Min(_freeTowers.Count, _setup.Model.Towers)} there){(noLoader ? " and a loader (none left)" : "")}, then every tower goes back to " +
               (hasCheckpoint ? "the newest usable checkpoint" : "step 0 (no checkpoint was written yet)"), isError: !planned);
        Timers.StartSingleTimer("recovery", new RecoveryTimedOut(reason), _setup.Recovery.WaitForTowers);
        var pausedAt = DateTime.UtcNow;
        Become(() => Recovering(pausedAt));
        TryStart(paused: TimeSpan.Zero);
    }

    /// <summary>
    /// The coordinator took a loader that did not deliver off the run, with the others of its node: their
    /// proxies stop, and no later coordinator (after a recovery) is given them. The node's loaders come
    /// back only if it offers itself again, i.e. after it left the cluster or was unreachable and rejoined.
    /// </summary>
    private void OnLoaderDropped(LoaderDropped m)
    {
        if (!_loaderProxies.TryGetValue(m.Loader, out var node)) return;
        _withdrawnLoaderNodes.Add(node); // not attached again after a lost connection either (RunHost.LoaderLinks.cs)
        int stopped = StopLoaderProxies(n => n == node);
        Notice($"loader node {node} withdrawn from the run ({stopped} loader(s)): data loader {m.Loader.Path.Name} {m.Reason}; " +
               "its loaders come back only if the node rejoins the cluster", isError: true);
    }
}
