using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using AlexNet.Actors.Checkpoints;
using AlexNet.Actors.Coordination;
using AlexNet.Actors.Protocol;
using AlexNet.Actors.Training;
using AlexNet.Cluster.Protocol;
using AlexNet.Cluster.Proxies;
using AlexNet.Cluster.Wire;
using AlexNet.Data;
using AlexNet.Model;

namespace AlexNet.Cluster.Hosting;

/// <summary>What the run host needs: the run's configuration and this (coordinator) node's identity.</summary>
public sealed record RunSetup(
    AlexNetConfig Model, TrainingSettings Training, string CoordinatorDevice, NodeProfile Profile, ChannelPoint Channel,
    IActorRef DataChannel, WirePrecision Precision, TimeSpan GatherTimeout, RecoverySettings Recovery, PixelBufferPool? PixelBuffers = null);

/// <summary>
/// The cluster singleton that runs a training run (on the oldest node with the coordinator role).
/// Enlists every tower and loader node that comes up, refuses those whose configuration differs,
/// waits until K towers and a loader are there, assigns tower indices in the order nodes offered
/// them, and starts a <see cref="CoordinatorActor"/> (its child) whose towers and loaders are
/// proxies. Loaders that join later are announced to the coordinator (<see cref="LoaderJoined"/>),
/// those whose node leaves withdrawn (<see cref="LoaderLeft"/>). When a tower's node goes away the
/// coordinator ends with <see cref="TowerLostFailure"/>: the run host stops it and its proxies, waits
/// until K towers are there again (the surviving ones, spares, a restarted node) and starts a new
/// coordinator, which resumes every tower from the newest checkpoint (alexnet.cluster.recovery bounds
/// how often and how long). Any other failure ends the run. It is also the run's listener: events of
/// the current coordinator go to a callback, and at the end every node is told <see cref="RunEnded"/>,
/// its own last, once the others confirmed. States: Gathering → Starting (the coordinator describes
/// the data and initialises the towers) → Running → (Recovering → Starting → Running)* → Ending → Ended.
/// </summary>
public sealed class RunHost : ReceiveActor, IWithTimers
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly RunSetup _setup;
    private readonly NodeProfile _profile; // this node's, with the training settings a coordinator node is checked for
    private readonly Action<object> _onEvent;
    private readonly HashSet<Address> _members = new();
    private readonly HashSet<string> _offered = new();
    private readonly HashSet<Address> _versionRefused = new(); // refused for their wire protocol, told once in the log
    private readonly List<(TowerSeat Seat, ChannelPoint Node)> _freeTowers = new();
    private readonly List<(IActorRef Endpoint, ChannelPoint Node)> _freeLoaders = new();
    private readonly Dictionary<IActorRef, (int Index, TowerSeat Seat, ChannelPoint Node)> _towerProxies = new();
    private readonly Dictionary<IActorRef, string> _loaderProxies = new();
    private int _loaderSerial;
    private int _generation; // coordinators started so far (1 + recoveries)
    private IActorRef _coordinator = ActorRefs.Nobody;

    public ITimerScheduler Timers { get; set; } = null!;

    private sealed record GatherTimedOut;
    private sealed record RecoveryTimedOut(string Lost);
    private sealed record EndNoticeTimedOut;

    /// <summary>How long the end of the run waits for the other nodes to confirm it (<see cref="RunEndSeen"/>).</summary>
    private static readonly TimeSpan EndNoticeTimeout = TimeSpan.FromSeconds(10);

    /// <param name="onEvent">Receives every run event (StepCompleted, RunNotice, ... and last TrainingFinished or TrainingFailed).</param>
    public RunHost(RunSetup setup, Action<object> onEvent)
    {
        _setup = setup;
        _profile = setup.Profile with { Terms = RunTerms.Of(setup.Training) };
        _onEvent = onEvent;
        Become(Gathering);
    }

    public static Props Props(RunSetup setup, Action<object> onEvent) => Akka.Actor.Props.Create(() => new RunHost(setup, onEvent));

    protected override void PreStart()
    {
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.UnreachableMember), typeof(ClusterEvent.ReachableMember));
        Timers.StartSingleTimer("gather", new GatherTimedOut(), _setup.GatherTimeout);
        Notice($"waiting for {_setup.Model.Towers} tower(s) and at least one loader to join");
        if (_setup.Recovery.Enabled && _setup.Training.CheckpointDir is null)
            Notice("no checkpoint folder: losing a tower node will end the run (set --checkpoint-dir on the coordinator nodes to survive it)", isError: true);
    }

    protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);

    // Whatever throws under the run host is stopped (the coordinator's DeathWatch or ours reports it).
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(e =>
    {
        _log.Error(e, "an actor of the run failed");
        return Directive.Stop;
    });

    // ---- States ---------------------------------------------------------------------------

    private void Gathering()
    {
        NothingToHandOver("no run had started");
        Membership(_ => { }); // no proxies yet: nothing to announce
        Receive<NodeOffer>(m =>
        {
            if (!Accept(m)) return;
            TryStart(paused: null);
        });
        Receive<GatherTimedOut>(_ => End(new TrainingFailed(
            $"waited {_setup.GatherTimeout} for {_setup.Model.Towers} tower(s) and a loader; only {_freeTowers.Count} tower(s) and {_freeLoaders.Count} loader(s) joined")));
    }

    /// <summary>
    /// The coordinator describes the data and initialises the towers. Loader changes go to it at once:
    /// it follows them from its first state on (a loader that goes away while it waits for the data
    /// description is replaced by the next, or by one that joins).
    /// </summary>
    private void Starting(int readyTowers)
    {
        Receive<HandOverRun>(_ => HandOver());
        Membership(change => change());
        Offers(change => change());
        Receive<ReadyRelayed>(_ => _towerProxies.ContainsKey(Sender), _ =>
        {
            if (readyTowers + 1 < _setup.Model.Towers)
            {
                Become(() => Starting(readyTowers + 1));
                return;
            }
            Become(Running);
        });
        Receive<ReadyRelayed>(_ => { }); // from a proxy of a coordinator stopped for a recovery
        Outcomes();
    }

    private void Running()
    {
        Receive<HandOverRun>(_ => HandOver());
        Membership(change => change());
        Offers(change => change());
        Receive<ReadyRelayed>(_ => { });
        Outcomes();
    }

    /// <summary>Nodes that come later: their loaders join the run, their towers stay spare.</summary>
    private void Offers(Action<Action> announce)
    {
        Receive<NodeOffer>(m =>
        {
            if (!Accept(m)) return;
            foreach (var (endpoint, node) in _freeLoaders)
            {
                var proxy = NewLoaderProxy(endpoint, node);
                announce(() => _coordinator.Tell(new LoaderJoined(proxy, node.Node)));
            }
            _freeLoaders.Clear();
        });
    }

    private void Outcomes()
    {
        Receive<Terminated>(m => m.ActorRef.Equals(_coordinator), _ => End(new TrainingFailed("the coordinator stopped unexpectedly")));
        Receive<Terminated>(m => { _towerProxies.Remove(m.ActorRef); _loaderProxies.Remove(m.ActorRef); });
        Receive<object>(_ => !Sender.Equals(_coordinator), _ => { }); // late events of a coordinator stopped for a recovery
        Receive<TowerLostFailure>(OnTowerLost);
        Receive<LoaderDropped>(OnLoaderDropped);
        Receive<TrainingFinished>(End);
        Receive<TrainingFailed>(End);
        ReceiveAny(_onEvent); // progress events from the coordinator
    }

    /// <summary>
    /// The run is paused after losing a tower: no coordinator; nodes that come (back) are enlisted
    /// and their towers counted; the run resumes as soon as K towers and a loader are there.
    /// </summary>
    private void Recovering(DateTime pausedAt)
    {
        NothingToHandOver("the run was paused for a lost tower");
        Membership(change => change());
        Receive<NodeOffer>(m =>
        {
            if (Accept(m)) TryStart(paused: DateTime.UtcNow - pausedAt);
        });
        Receive<RecoveryTimedOut>(m => End(new TrainingFailed(
            $"{m.Lost}; waited {_setup.Recovery.WaitForTowers} for {_setup.Model.Towers} tower(s) to resume with, but only {_freeTowers.Count} " +
            $"(and {_freeLoaders.Count + _loaderProxies.Count} loader(s)) were there (alexnet.cluster.recovery.wait-for-towers)")));
        Receive<Terminated>(m => { _towerProxies.Remove(m.ActorRef); _loaderProxies.Remove(m.ActorRef); });
        ReceiveAny(_ => { }); // late events of the stopped coordinator
    }

    private void Ended(RunEnded outcome)
    {
        NothingToHandOver("the run had ended");
        Receive<NodeOffer>(_ => Sender.Tell(outcome));
        Receive<ClusterEvent.MemberUp>(m => NodeHost(m.Member.Address).Tell(outcome));
        ReceiveAny(_ => { });
    }

    // ---- Handing over (this node is leaving) -----------------------------------------------

    /// <summary>
    /// This node is shutting down: the coordinator stops after the step in progress and checkpoints
    /// it; then the node may leave, and the next run host resumes from that checkpoint. Without a
    /// checkpoint folder there is nothing to keep: it answers at once.
    /// </summary>
    private void HandOver()
    {
        var asker = Sender;
        if (_setup.Training.CheckpointDir is null)
        {
            asker.Tell(new RunHandedOver("no checkpoint folder: the next coordinator starts the run again"));
            return;
        }
        Notice("this coordinator node is shutting down: checkpointing the run for the next coordinator");
        _coordinator.Tell(new StopTraining("this coordinator node is shutting down"));
        Become(() => HandingOver(asker));
    }

    private void HandingOver(IActorRef asker)
    {
        NothingToHandOver("already handing over");
        Receive<TrainingStopped>(m => Sender.Equals(_coordinator), m =>
        {
            var summary = m.Checkpoint is { } c ? $"checkpointed the run after step {m.Steps} for the next coordinator: {c}" : $"stopped the run after step {m.Steps}; no checkpoint was written";
            Notice(summary);
            asker.Tell(new RunHandedOver(summary));
            Become(HandedOver);
        });
        // Ended anyway (the last step, an error): the other nodes are told as usual.
        Receive<TrainingFinished>(m => Sender.Equals(_coordinator), m => { asker.Tell(new RunHandedOver("the run finished")); End(m); });
        Receive<TowerLostFailure>(m => Sender.Equals(_coordinator), m =>
        {
            asker.Tell(new RunHandedOver($"{m.Reason}: the next coordinator recovers from the newest checkpoint"));
            Become(HandedOver);
        });
        Receive<TrainingFailed>(m => Sender.Equals(_coordinator), m => { asker.Tell(new RunHandedOver($"the run failed: {m.Reason}")); End(m); });
        Receive<object>(_ => Sender.Equals(_coordinator), _onEvent); // its last progress events
        ReceiveAny(_ => { });
    }

    /// <summary>Handed over: the singleton manager stops this run host as the node leaves.</summary>
    private void HandedOver()
    {
        NothingToHandOver("already handed over");
        ReceiveAny(_ => { });
    }

    private void NothingToHandOver(string why) => Receive<HandOverRun>(_ => Sender.Tell(new RunHandedOver($"nothing to hand over: {why}")));

    // ---- Membership -----------------------------------------------------------------------

    /// <param name="announce">Runs a change of the run's loaders now, or once the run has started.</param>
    private void Membership(Action<Action> announce)
    {
        Receive<ClusterEvent.MemberUp>(m => Joined(m.Member));
        Receive<ClusterEvent.MemberWeaklyUp>(m => Joined(m.Member));
        Receive<ClusterEvent.UnreachableMember>(m => Gone(m.Member, "is unreachable", announce));
        Receive<ClusterEvent.ReachableMember>(m => Joined(m.Member)); // withdrawn while unreachable: enlisted anew
        Receive<ClusterEvent.MemberLeft>(m => Gone(m.Member, "is leaving the cluster", announce));
        Receive<ClusterEvent.MemberExited>(m => Gone(m.Member, "left the cluster", announce));
        Receive<ClusterEvent.MemberRemoved>(m => { Gone(m.Member, "was removed from the cluster", announce); _members.Remove(m.Member.Address); });
        Receive<ClusterEvent.IMemberEvent>(_ => { });
    }

    private ActorSelection NodeHost(Address address) => Context.ActorSelection(new RootActorPath(address) / "user" / "node");

    private void Joined(Member member)
    {
        _members.Add(member.Address);
        // Any role: a standby coordinator of another build would, on taking over, refuse every other node.
        // Refused before its offer, which this node could not read.
        if (WireProtocol.Refusal(Akka.Cluster.Cluster.Get(Context.System).SelfMember.AppVersion, member.AppVersion) is { } refusal)
        {
            if (_versionRefused.Add(member.Address)) Notice($"refused node {member.Address}: {refusal}", isError: true);
            NodeHost(member.Address).Tell(new NodeRefused(refusal));
            return;
        }
        // Every node, coordinator nodes included: a stand-in coordinator is checked now, not when it takes
        // the run over (it would then refuse every healthy node, or continue another run).
        NodeHost(member.Address).Tell(new Enlist(Self, _profile, _setup.Channel));
    }

    /// <summary>Checks a node's offer; a node whose configuration differs is told why and ignored.</summary>
    private bool Accept(NodeOffer offer)
    {
        if (!_offered.Add(offer.Node)) return false;
        bool isCoordinator = offer.Roles.Contains(ClusterSettings.Coordinator);
        var refusal = ProfileCheck.Refusal(_profile, offer.Profile, isLoader: offer.Loaders.Count > 0, isCoordinator);
        if (refusal is not null)
        {
            Sender.Tell(new NodeRefused(refusal));
            Notice($"refused node {offer.Node}: {refusal}", isError: true);
            return false;
        }
        if (!_setup.DataChannel.IsNobody() && offer.Channel.Enabled) _setup.DataChannel.Tell(new AdmitPeer(offer.Channel));
        foreach (var t in offer.Towers) _freeTowers.Add((t, offer.Channel));
        foreach (var l in offer.Loaders) _freeLoaders.Add((l, offer.Channel));
        if (offer.Towers.Count + offer.Loaders.Count > 0)
            Notice($"node {offer.Node} [{string.Join(",", offer.Roles)}] joined with {offer.Towers.Count} tower(s) and {offer.Loaders.Count} loader(s)");
        else if (offer.Node != Akka.Cluster.Cluster.Get(Context.System).SelfAddress.ToString())
            Notice($"coordinator node {offer.Node} joined: it would take the run over should this node go away");
        return true;
    }

    /// <summary>A node left or became unreachable: withdraw its loaders; its towers' proxies report them lost.</summary>
    private void Gone(Member member, string how, Action<Action> announce)
    {
        var node = member.Address.ToString();
        _offered.Remove(node);
        _freeTowers.RemoveAll(t => t.Node.Node == node);
        _freeLoaders.RemoveAll(l => l.Node.Node == node);
        foreach (var (proxy, _) in _loaderProxies.Where(p => p.Value == node).ToList())
        {
            _loaderProxies.Remove(proxy);
            announce(() =>
            {
                _coordinator.Tell(new LoaderLeft(proxy));
                proxy.Tell(new PeerGone($"loader node {node} {how}"));
            });
        }
        foreach (var (proxy, _) in _towerProxies.Where(p => p.Value.Node.Node == node).ToList())
        {
            _towerProxies.Remove(proxy);
            proxy.Tell(new PeerGone($"tower node {node} {how}"));
        }
    }

    // ---- Running --------------------------------------------------------------------------

    /// <summary>
    /// Starts a coordinator once K towers and a loader are there: the first time, or after a lost
    /// tower (<paramref name="paused"/> = how long the run was paused; the new coordinator then always
    /// resumes from the newest checkpoint). Loaders already in the run keep their proxies.
    /// </summary>
    private void TryStart(TimeSpan? paused)
    {
        int k = _setup.Model.Towers;
        if (_freeTowers.Count < k || _freeLoaders.Count + _loaderProxies.Count == 0) return;
        Timers.Cancel("gather");
        Timers.Cancel("recovery");
        _generation++;
        var towers = new List<IActorRef>();
        for (int t = 0; t < k; t++)
        {
            var (seat, node) = _freeTowers[t];
            var proxy = Context.ActorOf(RemoteTowerProxy.Props(t, seat, node, _setup.Channel, _setup.DataChannel, _setup.Precision, _setup.PixelBuffers), $"tower-{t}-{_generation}");
            Context.Watch(proxy);
            _towerProxies[proxy] = (t, seat, node);
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
        Notice(paused is { } p
            ? $"resuming the run with {k} tower(s) and {loaders.Count} loader(s) after a pause of {p.TotalSeconds:F1} s (recovery {_generation - 1} of at most {_setup.Recovery.MaxRestarts})"
            : $"starting the run with {k} tower(s) and {loaders.Count} loader(s)");
        Become(() => Starting(0));
    }

    /// <summary>
    /// A tower's node went away. With recovery on and a checkpoint folder: stop the coordinator and
    /// every tower proxy, keep the surviving towers (their endpoints start fresh tower actors when
    /// attached again), ask the lost tower's node to offer itself again in case it is still there,
    /// and wait for K towers. Otherwise the run ends.
    /// </summary>
    private void OnTowerLost(TowerLostFailure lost)
    {
        if (!_setup.Recovery.Enabled)
        {
            End(new TrainingFailed($"{lost.Reason} (recovery is off: alexnet.cluster.recovery.max-restarts = 0)"));
            return;
        }
        if (_setup.Training.CheckpointDir is not { } dir)
        {
            End(new TrainingFailed($"{lost.Reason}; without a checkpoint folder the run cannot recover from a lost tower " +
                                   "(set alexnet.checkpoint.dir, --checkpoint-dir, on the coordinator nodes)"));
            return;
        }
        if (_generation > _setup.Recovery.MaxRestarts)
        {
            End(new TrainingFailed($"{lost.Reason}; the run has already recovered {_setup.Recovery.MaxRestarts} time(s) (alexnet.cluster.recovery.max-restarts)"));
            return;
        }
        Context.Unwatch(_coordinator);
        Context.Stop(_coordinator);
        _coordinator = ActorRefs.Nobody;
        var lostNode = _towerProxies.Values.Where(p => p.Index == lost.Tower).Select(p => p.Node.Node).FirstOrDefault();
        var survivors = _towerProxies.Values.Where(p => p.Node.Node != lostNode && _offered.Contains(p.Node.Node)).OrderBy(p => p.Index)
            .Select(p => (p.Seat, p.Node)).ToList();
        foreach (var proxy in _towerProxies.Keys)
        {
            Context.Unwatch(proxy);
            Context.Stop(proxy);
        }
        _towerProxies.Clear();
        _freeTowers.InsertRange(0, survivors);
        if (lostNode is not null)
        {
            _freeTowers.RemoveAll(t => t.Node.Node == lostNode);
            _offered.Remove(lostNode);
            foreach (var address in _members.Where(a => a.ToString() == lostNode))
                NodeHost(address).Tell(new Enlist(Self, _profile, _setup.Channel));
        }
        bool hasCheckpoint = new CheckpointStore(dir).Folders().Any();
        Notice($"{lost.Reason}: pausing the run; waiting up to {_setup.Recovery.WaitForTowers} for {_setup.Model.Towers} tower(s) " +
               $"({Math.Min(_freeTowers.Count, _setup.Model.Towers)} there), then every tower goes back to " +
               (hasCheckpoint ? "the newest usable checkpoint" : "step 0 (no checkpoint was written yet)"), isError: true);
        Timers.StartSingleTimer("recovery", new RecoveryTimedOut(lost.Reason), _setup.Recovery.WaitForTowers);
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
        var proxies = _loaderProxies.Where(p => p.Value == node).Select(p => p.Key).ToList();
        foreach (var proxy in proxies)
        {
            _loaderProxies.Remove(proxy);
            Context.Unwatch(proxy);
            Context.Stop(proxy);
        }
        Notice($"loader node {node} withdrawn from the run ({proxies.Count} loader(s)): data loader {m.Loader.Path.Name} {m.Reason}; " +
               "its loaders come back only if the node rejoins the cluster", isError: true);
    }

    private IActorRef NewLoaderProxy(IActorRef endpoint, ChannelPoint node)
    {
        var proxy = Context.ActorOf(RemoteLoaderProxy.Props(endpoint, node, _setup.Channel, _setup.DataChannel),
            $"loader-{_loaderSerial++}");
        Context.Watch(proxy);
        _loaderProxies[proxy] = node.Node;
        return proxy;
    }

    private void End(object outcome)
    {
        Timers.CancelAll();
        var (ok, summary) = outcome switch
        {
            TrainingFinished f => (true, $"finished after {f.Steps} steps"),
            TrainingFailed f => (false, f.Reason),
            _ => (false, outcome.ToString() ?? "?"),
        };
        var ended = new RunEnded(ok, summary);
        // This node shuts down once the outcome is out, and messages still queued for other nodes would
        // go down with it: a tower or loader node that never heard of the end would wait for ever. So
        // the others are told first, and the outcome waits until each confirmed, left, or went silent.
        var cluster = Akka.Cluster.Cluster.Get(Context.System);
        var others = _members.Where(a => a != cluster.SelfAddress).ToList();
        foreach (var address in others) NodeHost(address).Tell(ended);
        var waiting = others.Where(a => !cluster.State.Unreachable.Any(m => m.Address == a)).Select(a => a.ToString()).ToHashSet();
        Timers.StartSingleTimer("end-notice", new EndNoticeTimedOut(), EndNoticeTimeout);
        Become(() => Ending(outcome, ended, waiting));
        if (waiting.Count == 0) Conclude(outcome, ended);
    }

    private void Ending(object outcome, RunEnded ended, HashSet<string> waiting)
    {
        NothingToHandOver("the run had ended");
        void Settled(string node)
        {
            if (waiting.Remove(node) && waiting.Count == 0) Conclude(outcome, ended);
        }
        Receive<RunEndSeen>(m => Settled(m.Node));
        Receive<ClusterEvent.MemberRemoved>(m => Settled(m.Member.Address.ToString()));
        Receive<ClusterEvent.MemberExited>(m => Settled(m.Member.Address.ToString()));
        Receive<ClusterEvent.UnreachableMember>(m => Settled(m.Member.Address.ToString()));
        Receive<EndNoticeTimedOut>(_ =>
        {
            _log.Warning("the end of the run was not confirmed within {0} by {1}", EndNoticeTimeout, string.Join(", ", waiting));
            Conclude(outcome, ended);
        });
        Receive<NodeOffer>(_ => Sender.Tell(ended));
        Receive<ClusterEvent.MemberUp>(m => NodeHost(m.Member.Address).Tell(ended)); // a latecomer is told, not waited for
        ReceiveAny(_ => { });
    }

    /// <summary>Every other node knows: the outcome goes out, and this node (its node host told last) shuts down.</summary>
    private void Conclude(object outcome, RunEnded ended)
    {
        Timers.Cancel("end-notice");
        NodeHost(Akka.Cluster.Cluster.Get(Context.System).SelfAddress).Tell(ended);
        _onEvent(outcome);
        Become(() => Ended(ended));
    }

    private void Notice(string message, bool isError = false)
    {
        if (isError) _log.Error(message); else _log.Info(message);
        _onEvent(new RunNotice(message, isError));
    }
}
