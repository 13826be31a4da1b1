using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Akka.Remote;

namespace AlexNet.Cluster.Hosting;

/// <summary>
/// A node restarted on the address of a member the cluster still has (a crashed node brought back by a
/// supervisor) can be left with an Akka.Remote connection to its seed node that never carries anything:
/// when the survivors' gate on that address (akka.remote.retry-gate-closed-for, 5 s) opens, they reconnect
/// to resend to the old incarnation, and such a reconnection crossing this node's own can leave this node's
/// writer to the seed in a handshake that never completes (Akka then warns of a quarantine "with unknown
/// UID" below), or using a connection the other side has abandoned. Akka routes every InitJoin to that
/// writer and retries the join through it until join-timeout; a new process joins at once. So while this
/// node is not a member, every <c>alexnet.cluster.join-reset-after</c> it closes its connections to the
/// seeds (a quarantine without a UID only stops the endpoints and gates the address for
/// retry-gate-closed-for); Akka's join retries then open fresh ones. join-timeout still bounds the whole.
/// </summary>
public static class JoinWatch
{
    public const string Key = "alexnet.cluster.join-reset-after";

    /// <summary>alexnet.cluster.join-reset-after: a positive duration, or off (null).</summary>
    public static TimeSpan? ResetAfterOf(Config c) => ClusterSettings.DurationOrOff(c, Key);

    /// <summary>Watches the joining of <paramref name="system"/> through <paramref name="seedNodes"/>; stops once it is a member.</summary>
    public static void Start(ActorSystem system, IReadOnlyList<string> seedNodes, TimeSpan? resetAfter)
    {
        if (resetAfter is not { } every) return;
        var cluster = Akka.Cluster.Cluster.Get(system);
        var seeds = seedNodes.Select(Address.Parse).Where(a => !a.Equals(cluster.SelfAddress)).ToList();
        if (seeds.Count == 0) return;
        var provider = (IRemoteActorRefProvider)((ExtendedActorSystem)system).Provider;
        var started = DateTime.UtcNow;
        var timer = new Cancelable(system.Scheduler);
        system.Scheduler.Advanced.ScheduleRepeatedly(every, every, () =>
        {
            if (IsMember(cluster) || cluster.IsTerminated) { timer.Cancel(); return; }
            system.Log.Warning($"not a member of the cluster {(DateTime.UtcNow - started).TotalSeconds:F0} s after asking to join through " +
                               $"{string.Join(", ", seeds)}: closing this node's connections to them and asking again ({Key}; a connection " +
                               "left from this address's previous process can lose every answer)");
            foreach (var seed in seeds) provider.Quarantine(seed, null);
        }, timer);
    }

    /// <summary>This node has been welcomed (it is in its own view of the membership, Joining or later).</summary>
    private static bool IsMember(Akka.Cluster.Cluster cluster) =>
        cluster.State.Members.Any(m => m.UniqueAddress.Equals(cluster.SelfUniqueAddress));
}
