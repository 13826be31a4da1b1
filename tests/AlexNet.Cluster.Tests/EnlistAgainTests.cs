using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using AlexNet.Actors.Hosting;
using AlexNet.Actors.Protocol;
using AlexNet.Actors.Training;
using AlexNet.Cluster.Hosting;
using AlexNet.Cluster.Protocol;
using AlexNet.Cluster.Wire;
using AlexNet.Data;
using AlexNet.Model;
using Xunit;

namespace AlexNet.Cluster.Tests;

/// <summary>
/// The run host asks a node again when its Enlist went unanswered (classic remoting drops messages while an
/// association is being remade, as around a coordinator fail-over): here a one-node cluster whose node host
/// ignores the first Enlist.
/// </summary>
public sealed class EnlistAgainTests() : TestKit(ConfigurationFactory.ParseString("""
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
        akka.loglevel = WARNING
        """).WithFallback(ClusterConfig.Defaults).WithFallback(HoconFiles.Reference))
{
    private static readonly AlexNetConfig Model = new() { Towers = 2, Classes = 10, Width = 0.25, Crop = 64 };
    private static readonly TrainingSettings Training = new() { BatchSize = 16, MaxSteps = 10, Seed = 1 };
    private static readonly NodeProfile Profile = new(Model, Training.Seed, new AugmentationSettings(64, true, 0.1), "synthetic", RunTerms.Of(Training));

    /// <summary>A node host that drops the first Enlist it gets, and offers one tower on the next.</summary>
    private sealed class DeafOnceNodeHost : ReceiveActor
    {
        public DeafOnceNodeHost(IActorRef tower, IActorRef watcher)
        {
            int enlists = 0;
            Receive<Enlist>(_ =>
            {
                watcher.Tell($"enlist {++enlists}");
                if (enlists == 1) return;
                var node = Akka.Cluster.Cluster.Get(Context.System).SelfAddress.ToString();
                Sender.Tell(new NodeOffer(node, new[] { "tower" }, Profile, new ChannelPoint(node, "127.0.0.1", 0, Array.Empty<byte>()),
                    new[] { new TowerSeat(tower, "cpu") }, Array.Empty<IActorRef>()));
            });
        }
    }

    [Fact]
    public void A_node_whose_first_enlist_was_lost_is_asked_again_and_its_towers_are_taken()
    {
        var enlists = CreateTestProbe();
        var events = CreateTestProbe();
        Sys.ActorOf(Props.Create(() => new DeafOnceNodeHost(CreateTestProbe().Ref, enlists.Ref)), "node");
        var cluster = Akka.Cluster.Cluster.Get(Sys);
        cluster.Join(cluster.SelfAddress);
        AwaitCondition(() => cluster.SelfMember.Status == Akka.Cluster.MemberStatus.Up, TimeSpan.FromSeconds(20));

        var setup = new RunSetup(Model, Training, "cpu", Profile, new ChannelPoint(cluster.SelfAddress.ToString(), "127.0.0.1", 0, Array.Empty<byte>()),
            ActorRefs.Nobody, WirePrecision.Full, TimeSpan.FromMinutes(1), new RecoverySettings(0, TimeSpan.FromMinutes(1)), LockCheckpoints: false);
        var events1 = events.Ref;
        Sys.ActorOf(RunHost.Props(setup, e => events1.Tell(e)), "run");

        enlists.ExpectMsg("enlist 1", TimeSpan.FromSeconds(10));
        enlists.ExpectMsg("enlist 2", TimeSpan.FromSeconds(10)); // within EnlistAgainAfter (3 s) and a timer period more
        var joined = events.FishForMessage<RunNotice>(n => n.Message.Contains("joined with"), TimeSpan.FromSeconds(10));
        Assert.Equal($"node {cluster.SelfAddress} [tower] joined with 1 tower(s) and 0 loader(s)", joined.Message);
        enlists.ExpectNoMsg(TimeSpan.FromSeconds(4)); // answered: not asked again
    }
}
