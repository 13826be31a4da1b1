using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using AlexNet.Actors.Protocol;
using AlexNet.Cluster.Protocol;

namespace AlexNet.Cluster.Hosting;

/// <summary>The end of the run: every node is told, and this node shuts down last.</summary>
public sealed partial class RunHost
{
    private void End(object outcome)
    {
        Timers.CancelAll();
        ReleaseCheckpointLock(); // nothing is written any more: the folder is free for the next run at once
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
        // Nodes still joining too (Joining, WeaklyUp: not yet enlisted), e.g. one restarted as the run ends while the
        // cluster cannot converge (a crashed member not yet downed): told only later, or never, they would wait for a
        // coordinator until coordinator-timeout once this node is gone.
        var cluster = Akka.Cluster.Cluster.Get(Context.System);
        var others = _members.Concat(cluster.State.Members.Where(m => m.Status is MemberStatus.Joining or MemberStatus.WeaklyUp or MemberStatus.Up)
                .Select(m => m.Address))
            .Where(a => a != cluster.SelfAddress).Distinct().ToList();
        foreach (var address in others) NodeHost(address).Tell(ended);
        var waiting = others.Where(a => !cluster.State.Unreachable.Any(m => m.Address == a)).Select(a => a.ToString()).ToHashSet();
        // Other coordinator nodes (standbys) are waited for until they are removed, not merely until they confirm:
        // this node's singleton manager, leaving, hands the run host over to a standby still a member, and one that
        // is exiting never takes it, so this node's shutdown would wait out cluster-exiting (10 s) for nothing.
        var standbys = cluster.State.Members.Where(m => m.HasRole(ClusterSettings.Coordinator) && m.Address != cluster.SelfAddress)
            .Select(m => m.Address.ToString()).ToHashSet();
        Timers.StartSingleTimer("end-notice", new EndNoticeTimedOut(), EndNoticeTimeout);
        Become(() => Ending(outcome, ended, waiting, standbys));
        if (waiting.Count == 0) Conclude(outcome, ended);
    }

    private void Ending(object outcome, RunEnded ended, HashSet<string> waiting, HashSet<string> standbys)
    {
        NothingToKeep("the run had ended");
        void Settled(string node)
        {
            if (waiting.Remove(node) && waiting.Count == 0) Conclude(outcome, ended);
        }
        void Leaving(string node)
        {
            if (!standbys.Contains(node)) Settled(node);
        }
        Receive<RunEndSeen>(m => Leaving(m.Node));
        Receive<ClusterEvent.MemberRemoved>(m => Settled(m.Member.Address.ToString()));
        Receive<ClusterEvent.MemberExited>(m => Leaving(m.Member.Address.ToString()));
        Receive<ClusterEvent.UnreachableMember>(m => Settled(m.Member.Address.ToString()));
        Receive<EndNoticeTimedOut>(_ =>
        {
            _log.Warning("the end of the run was not confirmed within {0} by {1}", EndNoticeTimeout, string.Join(", ", waiting));
            Conclude(outcome, ended);
        });
        Receive<NodeOffer>(_ => Sender.Tell(ended));
        Latecomers(ended); // told, not waited for
        ReceiveAny(_ => { });
    }

    /// <summary>A node that joins (or moves on in joining) after the end is told at once, whatever its stage.</summary>
    private void Latecomers(RunEnded ended)
    {
        Receive<ClusterEvent.MemberJoined>(m => NodeHost(m.Member.Address).Tell(ended));
        Receive<ClusterEvent.MemberWeaklyUp>(m => NodeHost(m.Member.Address).Tell(ended));
        Receive<ClusterEvent.MemberUp>(m => NodeHost(m.Member.Address).Tell(ended));
    }

    /// <summary>Every other node knows: the outcome goes out, and this node (its node host told last) shuts down.</summary>
    private void Conclude(object outcome, RunEnded ended)
    {
        Timers.Cancel("end-notice");
        NodeHost(Akka.Cluster.Cluster.Get(Context.System).SelfAddress).Tell(ended);
        _onEvent(outcome);
        Become(() => Ended(ended));
    }
}
