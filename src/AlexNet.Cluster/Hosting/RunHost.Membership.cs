using Akka.Actor;
using Akka.Event;
using Akka.Cluster;
using AlexNet.Actors.Protocol;
using AlexNet.Cluster.Protocol;
using AlexNet.Cluster.Wire;

namespace AlexNet.Cluster.Hosting;

/// <summary>The run host and the cluster's members: enlisting, checking and withdrawing nodes.</summary>
public sealed partial class RunHost
{
    /// <summary>
    /// How long an enlisted node may take to offer itself before it is asked again. Classic remoting drops
    /// messages while an association is being (re)made, as around a coordinator fail-over or a node restarted
    /// on its old address: an Enlist lost then would leave the node's towers out of the run for good.
    /// </summary>
    private static readonly TimeSpan EnlistAgainAfter = TimeSpan.FromSeconds(3);

    private sealed record EnlistAgain;

    private readonly Dictionary<string, (Address Address, DateTime Sent, int Tries)> _unanswered = new(); // by node: enlisted, no offer yet

    /// <param name="announce">Runs a change of the run's loaders now, or once the run has started.</param>
    private void Membership(Action<Action> announce)
    {
        Receive<ClusterEvent.MemberUp>(m => Joined(m.Member));
        Receive<ClusterEvent.MemberWeaklyUp>(m => Joined(m.Member));
        Receive<ClusterEvent.UnreachableMember>(m => Gone(m.Member, "is unreachable", announce));
        Receive<ClusterEvent.ReachableMember>(m => Joined(m.Member)); // withdrawn while unreachable: enlisted anew
        Receive<ClusterEvent.MemberLeft>(m => Gone(m.Member, "is leaving the cluster", announce));
        Receive<ClusterEvent.MemberExited>(m => Gone(m.Member, "left the cluster", announce));
        Receive<ClusterEvent.MemberRemoved>(m =>
        {
            Gone(m.Member, "was removed from the cluster", announce);
            _members.Remove(m.Member.Address);
            _unanswered.Remove(m.Member.Address.ToString());
            _leaving.Remove(m.Member.Address.ToString()); // a node restarted on the same address is welcome again
        });
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<EnlistAgain>(_ => AskUnansweredAgain());
        LoaderLinks(announce);
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
        NodeHost(member.Address).Tell(new Enlist(Self, _setup.Profile, _setup.Channel));
        _unanswered[member.Address.ToString()] = (member.Address, DateTime.UtcNow, 0);
    }

    /// <summary>Enlists again every reachable member whose offer has not come within <see cref="EnlistAgainAfter"/>.</summary>
    private void AskUnansweredAgain()
    {
        var cluster = Akka.Cluster.Cluster.Get(Context.System);
        var now = DateTime.UtcNow;
        foreach (var (node, (address, sent, tries)) in _unanswered.ToList())
        {
            if (now - sent < EnlistAgainAfter || cluster.State.Unreachable.Any(m => m.Address == address)) continue;
            if (tries == 0) _log.Warning("node {0} did not answer its enlisting within {1}: asking it again until it does", address, EnlistAgainAfter);
            NodeHost(address).Tell(new Enlist(Self, _setup.Profile, _setup.Channel));
            _unanswered[node] = (address, now, tries + 1);
        }
    }

    /// <summary>Checks a node's offer; a node whose configuration differs is told why and ignored.</summary>
    private bool Accept(NodeOffer offer)
    {
        _unanswered.Remove(offer.Node); // answered, whether its offer is taken or refused
        if (_leaving.Contains(offer.Node) || !_offered.Add(offer.Node)) return false;
        bool isCoordinator = offer.Roles.Contains(ClusterSettings.Coordinator);
        var refusal = ProfileCheck.Refusal(_setup.Profile, offer.Profile, isLoader: offer.Loaders.Count > 0, isCoordinator);
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
        _withdrawnLoaderNodes.Remove(node); // if it comes back, its loaders are welcome again
        StopLoaderProxies(n => n == node, attachingOnly: true); // the run's own are withdrawn below, with the coordinator told
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
}
