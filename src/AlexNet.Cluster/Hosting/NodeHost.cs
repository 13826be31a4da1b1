using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using AlexNet.Actors.Loading;
using AlexNet.Cluster.Protocol;
using AlexNet.Cluster.Proxies;
using AlexNet.Data;

namespace AlexNet.Cluster.Hosting;

/// <summary>What a node host needs to know about its node.</summary>
/// <param name="Profile">What it offers itself with; on a coordinator node with the run's terms (<see cref="RunTerms"/>).</param>
/// <param name="CoordinatorTimeout">alexnet.cluster.coordinator-timeout: how long it goes without a run host before it exits with 1; null = for ever.</param>
public sealed record NodeSetup(
    string Node, IReadOnlyList<string> Roles, NodeProfile Profile, ChannelPoint Channel, IActorRef DataChannel,
    IReadOnlyList<string> Devices, int IntraOpThreads, int Loaders, Func<LoaderData> Data, AugmentationSettings Augmentation,
    Wire.WirePrecision Precision, PixelBufferPool? PixelBuffers = null, TimeSpan? CoordinatorTimeout = null);

/// <summary>
/// Every node's host (at /user/node): creates the node's tower endpoints (one per device) and loader
/// endpoints, offers them to the run host when it enlists the node, and ends the process when the
/// run host refuses the node, the run is over, or no run host has enlisted the node for
/// alexnet.cluster.coordinator-timeout (from the moment this node is up in the cluster, and again
/// whenever the run host that enlisted it becomes unreachable or stops). States: Waiting → Enlisted (→ Releasing) → Over.
/// A tower node stopped by a signal asks the run host to checkpoint the run before it leaves (<see cref="ReleaseTowerNode"/>).
/// </summary>
public sealed class NodeHost : ReceiveActor, IWithTimers
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly NodeSetup _setup;
    private readonly Action<int, string> _exit;
    private readonly List<TowerSeat> _towers = new();
    private readonly List<IActorRef> _loaders = new();
    private readonly TimeSpan? _coordinatorTimeout;
    private IActorRef? _runHost; // the run host that enlisted this node last, while it is there

    public ITimerScheduler Timers { get; set; } = null!;

    private sealed record NoRunHostTimedOut(string Why);

    /// <param name="exit">Called once with the process exit code and a line for the user.</param>
    public NodeHost(NodeSetup setup, Action<int, string> exit)
    {
        _setup = setup;
        _exit = exit;
        _coordinatorTimeout = setup.CoordinatorTimeout;
        Become(Waiting);
    }

    public static Props Props(NodeSetup setup, Action<int, string> exit) => Akka.Actor.Props.Create(() => new NodeHost(setup, exit));

    protected override void PreStart()
    {
        if (_setup.Roles.Contains(ClusterSettings.Tower))
            for (int i = 0; i < _setup.Devices.Count; i++)
            {
                var endpoint = Context.ActorOf(TowerEndpoint.Props(_setup.Devices[i], _setup.IntraOpThreads, _setup.Channel, _setup.DataChannel, _setup.Precision, _setup.PixelBuffers), $"tower-{i}");
                _towers.Add(new TowerSeat(endpoint, _setup.Devices[i]));
            }
        if (_setup.Roles.Contains(ClusterSettings.Loader))
        {
            var data = _setup.Data();
            for (int i = 0; i < _setup.Loaders; i++)
                _loaders.Add(Context.ActorOf(LoaderEndpoint.Props(data, _setup.Augmentation, _setup.Profile.Seed, _setup.Channel, _setup.DataChannel, _setup.PixelBuffers), $"loader-{i}"));
        }
        // Also without coordinator-timeout: a node leaving (Releasing) follows the run host's reachability.
        if (Context.System.Settings.ProviderClass.Contains("Cluster"))
            Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
                typeof(ClusterEvent.MemberUp), typeof(ClusterEvent.MemberWeaklyUp), typeof(ClusterEvent.UnreachableMember), typeof(ClusterEvent.ReachableMember));
    }

    protected override void PostStop()
    {
        if (Context.System.Settings.ProviderClass.Contains("Cluster"))
            Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
    }

    private void Waiting()
    {
        Receive<Enlist>(Offer);
        Receive<ReleaseTowerNode>(_ => Sender.Tell(new TowerNodeReleased("no coordinator had enlisted this node")));
        RunHostWatch();
        Ending();
    }

    private void Enlisted()
    {
        Receive<Enlist>(Offer); // a new run host (after a coordinator fail-over) enlists the node again
        Receive<ReleaseTowerNode>(Release);
        RunHostWatch();
        Ending();
    }

    /// <summary>
    /// This node is stopped by a signal (ClusterNode's shutdown task asks): the run host, which the reply
    /// comes from, checkpoints the run first if it trains on this node's towers. A run host on this very
    /// node hands the run over itself (RunHost.Leaving.cs).
    /// </summary>
    private void Release(ReleaseTowerNode m)
    {
        if (_towers.Count == 0 || _runHost is null) Sender.Tell(new TowerNodeReleased("no run uses this node's towers"));
        else if (_runHost.Path.Address.HasLocalScope) Sender.Tell(new TowerNodeReleased("the run host is on this node: it hands the run over"));
        else if (!IsUp(_runHost.Path.Address)) Sender.Tell(new TowerNodeReleased($"the coordinator's node {_runHost.Path.Address} is gone or unreachable: nothing to checkpoint"));
        else
        {
            _runHost.Forward(m); // the run host answers the asker itself, once the checkpoint is written
            Become(() => Releasing(Sender));
        }
    }

    /// <summary>
    /// This node is leaving and its shutdown waits for the run host's answer. A run host whose node crashed
    /// (or stopped) after the request went out never answers: the asker is answered here as soon as that
    /// node is unreachable or the run host gone, so that this node leaves then instead of waiting out
    /// hand-over-timeout (a preempted machine's grace period is often shorter). Its towers are offered to
    /// no run host now: a coordinator taking over meanwhile would lose them at once.
    /// </summary>
    private void Releasing(IActorRef asker)
    {
        void Unanswered(string what) => asker.Tell(new TowerNodeReleased(
            $"the coordinator's node {what} before the run was checkpointed: it resumes from its previous checkpoint"));
        Receive<Enlist>(_ => { });
        Receive<ReleaseTowerNode>(m => _runHost?.Forward(m));
        Receive<ClusterEvent.UnreachableMember>(m => _runHost is not null && m.Member.Address == _runHost.Path.Address,
            m => Unanswered($"{m.Member.Address} became unreachable"));
        Receive<Terminated>(m => m.ActorRef.Equals(_runHost), m =>
        {
            _runHost = null;
            Unanswered($"{m.ActorRef.Path.Address} stopped its run host");
        });
        RunHostWatch();
        Ending();
    }

    /// <summary>Whether a node is up and reachable: only then can its run host answer (else the shutdown would wait out hand-over-timeout).</summary>
    private static bool IsUp(Address address)
    {
        var state = Akka.Cluster.Cluster.Get(Context.System).State;
        return state.Members.Any(x => x.Address == address && x.Status == MemberStatus.Up) && !state.Unreachable.Any(x => x.Address == address);
    }

    /// <summary>The process is ending: nothing left to do but answer.</summary>
    private void Over(string why) => Become(() =>
    {
        Receive<ReleaseTowerNode>(_ => Sender.Tell(new TowerNodeReleased(why)));
        ReceiveAny(_ => { });
    });

    private void Offer(Enlist m)
    {
        if (!_setup.DataChannel.IsNobody()) _setup.DataChannel.Tell(new AdmitPeer(m.Channel));
        if (!m.RunHost.Equals(_runHost))
        {
            if (_runHost is not null) Context.Unwatch(_runHost);
            _runHost = m.RunHost;
            Context.Watch(_runHost);
        }
        Timers.Cancel("no-run-host");
        Sender.Tell(new NodeOffer(_setup.Node, _setup.Roles.ToArray(), _setup.Profile, _setup.Channel, _towers, _loaders));
        Become(Enlisted);
    }

    /// <summary>
    /// The clock of alexnet.cluster.coordinator-timeout: it runs while no run host is there for this node
    /// (none enlisted it since it came up, or the one that did is unreachable or gone) and stops when one
    /// enlists it (a coordinator fail-over: the next run host does so within seconds).
    /// </summary>
    private void RunHostWatch()
    {
        var self = Akka.Cluster.Cluster.Get(Context.System).SelfAddress;
        Receive<ClusterEvent.MemberUp>(m => m.Member.Address == self && _runHost is null,
            _ => StartClock("no coordinator enlisted this node within {0} of its joining the cluster"));
        Receive<ClusterEvent.MemberWeaklyUp>(m => m.Member.Address == self && _runHost is null,
            _ => StartClock("no coordinator enlisted this node within {0} of its joining the cluster"));
        Receive<ClusterEvent.UnreachableMember>(m => _runHost is not null && m.Member.Address == _runHost.Path.Address,
            m => StartClock($"the coordinator's node {m.Member.Address} became unreachable and no coordinator took over within {{0}}"));
        Receive<ClusterEvent.ReachableMember>(m => _runHost is not null && m.Member.Address == _runHost.Path.Address,
            _ => Timers.Cancel("no-run-host"));
        Receive<Terminated>(m => m.ActorRef.Equals(_runHost), m =>
        {
            _runHost = null;
            StartClock($"the coordinator on {m.ActorRef.Path.Address} went away and no coordinator took over within {{0}}");
        });
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<ClusterEvent.IReachabilityEvent>(_ => { });
        Receive<NoRunHostTimedOut>(m =>
        {
            var line = string.Format(m.Why, _coordinatorTimeout) + $" ({ClusterSettings.CoordinatorTimeoutKey}): " +
                       "exiting, so that a supervisor restarts this node and it joins the next coordinator";
            _log.Error(line);
            _exit(1, line);
            Over("no coordinator");
        });
    }

    private void StartClock(string why)
    {
        if (_coordinatorTimeout is not { } timeout || Timers.IsTimerActive("no-run-host")) return;
        _log.Info("no coordinator is attached to this node: waiting up to {0} ({1}) for one", timeout, ClusterSettings.CoordinatorTimeoutKey);
        Timers.StartSingleTimer("no-run-host", new NoRunHostTimedOut(why), timeout);
    }

    private void Ending()
    {
        Receive<NodeRefused>(m =>
        {
            _log.Error("refused by the coordinator: {0}", m.Reason);
            Timers.CancelAll();
            _exit(2, $"this node was refused by the coordinator: {m.Reason}");
            Over("this node was refused");
        });
        Receive<RunEnded>(m =>
        {
            Sender.Tell(new RunEndSeen(_setup.Node)); // the run host's node waits for this before it shuts down
            Timers.CancelAll();
            _exit(m.Succeeded ? 0 : 1, $"the run ended: {m.Summary}");
            Over("the run had ended");
        });
    }
}
