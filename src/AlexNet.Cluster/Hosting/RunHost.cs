using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using AlexNet.Actors.Protocol;
using AlexNet.Actors.Training;
using AlexNet.Cluster.Protocol;
using AlexNet.Cluster.Wire;
using AlexNet.Data;
using AlexNet.Model;

namespace AlexNet.Cluster.Hosting;

/// <summary>What the run host needs: the run's configuration and this (coordinator) node's identity.</summary>
/// <param name="Profile">This node's profile with the run's terms (<see cref="RunTerms"/>): what every node is checked against.</param>
/// <param name="LockCheckpoints">Take the checkpoint folder's lock before the first coordinator (RunHost.CheckpointLock.cs).</param>
public sealed record RunSetup(
    AlexNetConfig Model, TrainingSettings Training, string CoordinatorDevice, NodeProfile Profile, ChannelPoint Channel,
    IActorRef DataChannel, WirePrecision Precision, TimeSpan GatherTimeout, RecoverySettings Recovery, PixelBufferPool? PixelBuffers = null,
    bool LockCheckpoints = true);

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
/// the data and initialises the towers) → Running → (Recovering → Starting → Running)* → Ending → Ended,
/// Checkpointing → HandedOver when its own node is stopped by a signal, and Checkpointing → Recovering when
/// a tower node of the run is (either way the run is checkpointed first). The states are here; enlisting and
/// withdrawing nodes in RunHost.Membership.cs, attaching loaders again after a lost connection in
/// RunHost.LoaderLinks.cs, starting coordinators and recovering in RunHost.Recovery.cs,
/// nodes stopped by a signal in RunHost.Leaving.cs, the end in RunHost.Ending.cs.
/// </summary>
public sealed partial class RunHost : ReceiveActor, IWithTimers
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly RunSetup _setup;
    private readonly Action<object> _onEvent;
    private readonly HashSet<Address> _members = new();
    private readonly HashSet<string> _offered = new();
    private readonly HashSet<string> _leaving = new(); // tower nodes stopped by a signal, until they are removed
    private readonly HashSet<Address> _versionRefused = new(); // refused for their wire protocol, told once in the log
    private readonly List<(TowerSeat Seat, ChannelPoint Node)> _freeTowers = new();
    private readonly List<(IActorRef Endpoint, ChannelPoint Node)> _freeLoaders = new();
    private readonly Dictionary<IActorRef, (int Index, TowerSeat Seat, ChannelPoint Node)> _towerProxies = new();
    private readonly Dictionary<IActorRef, string> _loaderProxies = new();
    private readonly Dictionary<int, string> _towerNodes = new(); // tower index → its node, for the current coordinator
    private readonly HashSet<string> _stoppedTowerNodes = new(); // nodes whose tower proxy stopped on its own since then
    private int _loaderSerial;
    private int _generation; // coordinators started so far (1 + recoveries + releases)
    private int _releases; // restarts for a tower node that left in order: not counted against max-restarts
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
        _onEvent = onEvent;
        Become(Gathering);
    }

    public static Props Props(RunSetup setup, Action<object> onEvent) => Akka.Actor.Props.Create(() => new RunHost(setup, onEvent));

    protected override void PreStart()
    {
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.UnreachableMember), typeof(ClusterEvent.ReachableMember));
        Timers.StartSingleTimer("gather", new GatherTimedOut(), _setup.GatherTimeout);
        Timers.StartPeriodicTimer("enlist-again", new EnlistAgain(), EnlistAgainAfter);
        Notice($"waiting for {_setup.Model.Towers} tower(s) and at least one loader to join");
        if (_setup.Recovery.Enabled && _setup.Training.CheckpointDir is null)
            Notice("no checkpoint folder: losing a tower node will end the run (set --checkpoint-dir on the coordinator nodes to survive it)", isError: true);
        HoldsCheckpointLock(); // taken now, or its holder named now rather than once the nodes are there
    }

    protected override void PostStop()
    {
        ReleaseCheckpointLock();
        Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
    }

    // Whatever throws under the run host is stopped (the coordinator's DeathWatch or ours reports it).
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(e =>
    {
        _log.Error(e, "an actor of the run failed");
        return Directive.Stop;
    });

    // ---- States ---------------------------------------------------------------------------

    private void Gathering()
    {
        NothingToKeep("no run had started");
        Membership(_ => { }); // no proxies yet: nothing to announce
        Receive<NodeOffer>(m =>
        {
            if (!Accept(m)) return;
            TryStart(paused: null);
        });
        Receive<RetryCheckpointLock>(_ => TryStart(paused: null));
        Receive<GatherTimedOut>(_ => End(new TrainingFailed(_lockRefusal is { } held
            ? $"waited {_setup.GatherTimeout} (alexnet.cluster.gather-timeout) for alexnet.checkpoint.dir = {_setup.Training.CheckpointDir}: {held}"
            : $"waited {_setup.GatherTimeout} for {_setup.Model.Towers} tower(s) and a loader; only {_freeTowers.Count} tower(s) and {_freeLoaders.Count} loader(s) joined")));
    }

    /// <summary>
    /// The coordinator describes the data and initialises the towers. Loader changes go to it at once:
    /// it follows them from its first state on (a loader that goes away while it waits for the data
    /// description is replaced by the next, or by one that joins).
    /// </summary>
    private void Starting(int readyTowers)
    {
        Receive<HandOverRun>(_ => HandOver());
        Receive<ReleaseTowerNode>(Release);
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
        Receive<ReleaseTowerNode>(Release);
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
        Receive<Terminated>(m => { ForgetTowerProxy(m.ActorRef); ForgetLoaderProxy(m.ActorRef); });
        Receive<object>(_ => !Sender.Equals(_coordinator), _ => { }); // late events of a coordinator stopped for a recovery
        Receive<TowerLostFailure>(OnTowerLost);
        Receive<LoaderDropped>(OnLoaderDropped);
        Receive<TrainingFinished>(End);
        Receive<TrainingFailed>(End);
        ReceiveAny(_onEvent); // progress events from the coordinator
    }

    /// <summary>
    /// The run is paused after losing a tower (or one leaving): no coordinator; nodes that come (back) are enlisted
    /// and their towers counted; the run resumes as soon as K towers and a loader are there.
    /// </summary>
    private void Recovering(DateTime pausedAt)
    {
        NothingToKeep("the run is paused; it resumes from its newest checkpoint without this node");
        Membership(change => change());
        Receive<NodeOffer>(m =>
        {
            if (Accept(m)) TryStart(paused: DateTime.UtcNow - pausedAt);
        });
        Receive<RecoveryTimedOut>(m => End(new TrainingFailed(
            $"{m.Lost}; waited {_setup.Recovery.WaitForTowers} for {_setup.Model.Towers} tower(s) to resume with, but only {_freeTowers.Count} " +
            $"(and {_freeLoaders.Count + _loaderProxies.Count} loader(s)) were there (alexnet.cluster.recovery.wait-for-towers)")));
        Receive<Terminated>(m => { ForgetTowerProxy(m.ActorRef); ForgetLoaderProxy(m.ActorRef); });
        ReceiveAny(_ => { }); // late events of the stopped coordinator
    }

    private void Ended(RunEnded outcome)
    {
        NothingToKeep("the run had ended");
        Receive<NodeOffer>(_ => Sender.Tell(outcome));
        Latecomers(outcome);
        ReceiveAny(_ => { });
    }

    private void Notice(string message, bool isError = false)
    {
        _log.Info(message); // at Info: the listener prints it (errors as warnings), and Akka would print it twice
        _onEvent(new RunNotice(message, isError));
    }
}
