using Akka.Actor;
using Akka.Event;
using AlexNet.Actors.Loading;
using AlexNet.Cluster.Protocol;
using AlexNet.Cluster.Proxies;
using AlexNet.Data;

namespace AlexNet.Cluster.Hosting;

/// <summary>What a node host needs to know about its node.</summary>
public sealed record NodeSetup(
    string Node, IReadOnlyList<string> Roles, NodeProfile Profile, ChannelPoint Channel, IActorRef DataChannel,
    IReadOnlyList<string> Devices, int IntraOpThreads, int Loaders, Func<LoaderData> Data, AugmentationSettings Augmentation,
    Wire.WirePrecision Precision, PixelBufferPool? PixelBuffers = null);

/// <summary>
/// Every node's host (at /user/node): creates the node's tower endpoints (one per device) and loader
/// endpoints, offers them to the run host when it enlists the node, and ends the process when the
/// run host refuses the node or the run is over. States: Waiting → Enlisted → Ending.
/// </summary>
public sealed class NodeHost : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly NodeSetup _setup;
    private readonly Action<int, string> _exit;
    private readonly List<TowerSeat> _towers = new();
    private readonly List<IActorRef> _loaders = new();

    /// <param name="exit">Called once with the process exit code and a line for the user.</param>
    public NodeHost(NodeSetup setup, Action<int, string> exit)
    {
        _setup = setup;
        _exit = exit;
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
    }

    private void Waiting()
    {
        Receive<Enlist>(Offer);
        Ending();
    }

    private void Enlisted()
    {
        Receive<Enlist>(Offer); // a new run host (after a coordinator fail-over) enlists the node again
        Ending();
    }

    private void Offer(Enlist m)
    {
        if (!_setup.DataChannel.IsNobody()) _setup.DataChannel.Tell(new AdmitPeer(m.Channel));
        Sender.Tell(new NodeOffer(_setup.Node, _setup.Roles.ToArray(), _setup.Profile, _setup.Channel, _towers, _loaders));
        Become(Enlisted);
    }

    private void Ending()
    {
        Receive<NodeRefused>(m =>
        {
            _log.Error("refused by the coordinator: {0}", m.Reason);
            _exit(2, $"this node was refused by the coordinator: {m.Reason}");
            Become(() => ReceiveAny(_ => { }));
        });
        Receive<RunEnded>(m =>
        {
            Sender.Tell(new RunEndSeen(_setup.Node)); // the run host's node waits for this before it shuts down
            _exit(m.Succeeded ? 0 : 1, $"the run ended: {m.Summary}");
            Become(() => ReceiveAny(_ => { }));
        });
    }
}
