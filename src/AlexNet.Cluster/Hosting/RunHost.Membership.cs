using Akka.Actor;
using Akka.Cluster;
using AlexNet.Actors.Protocol;
using AlexNet.Cluster.Protocol;
using AlexNet.Cluster.Wire;

namespace AlexNet.Cluster.Hosting;

/// <summary>The run host and the cluster's members: enlisting, checking and withdrawing nodes.</summary>
public sealed partial class RunHost
{
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
            _leaving.Remove(m.Member.Address.ToString()); // a node restarted on the same address is welcome again
        });
        Receive<ClusterEvent.IMemberEvent>(_ => { });
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
    }

    /// <summary>Checks a node's offer; a node whose configuration differs is told why and ignored.</summary>
    private bool Accept(NodeOffer offer)
    {
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
