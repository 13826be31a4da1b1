using Akka.Actor;
using Akka.TestKit.Xunit2;
using AlexNet.Actors.Hosting;
using AlexNet.Actors.Loading;
using AlexNet.Actors.Protocol;
using AlexNet.Cluster.Protocol;
using AlexNet.Cluster.Proxies;
using AlexNet.Data;
using Xunit;

namespace AlexNet.Cluster.Tests;

/// <summary>
/// An endpoint that stops serving its proxy while its node stays in the cluster says so, so that
/// the proxy (and through it the coordinator) does not wait for answers that will never come.
/// </summary>
public sealed class EndpointAttachmentTests() : TestKit(Akka.Configuration.ConfigurationFactory.ParseString("akka.actor.provider = local")
    .WithFallback(Hosting.ClusterConfig.Defaults).WithFallback(HoconFiles.Reference))
{
    // No data channel on either side: the endpoint answers through the actor system.
    private static ChannelPoint NodeOf(string name) => new($"akka.tcp://alexnet@{name}:4053", name, 0, Array.Empty<byte>());

    private IActorRef LoaderEndpoint() => Sys.ActorOf(Proxies.LoaderEndpoint.Props(
        LoaderData.Synthetic(32, 8, 2, 40, seed: 1), new AugmentationSettings(Crop: 32), 1, NodeOf("loader-node"), ActorRefs.Nobody));

    [Fact]
    public void A_failed_link_to_the_proxy_s_node_detaches_and_tells_the_proxy_and_other_links_do_not()
    {
        var endpoint = LoaderEndpoint();
        var proxy = CreateTestProbe();
        endpoint.Tell(new Attach(proxy.Ref, NodeOf("coordinator-node")), proxy.Ref);
        proxy.ExpectMsg<Attached>();

        endpoint.Tell(new LinkLost(NodeOf("old-coordinator-node").Node, "connection reset"));
        proxy.ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // a link this endpoint does not serve through

        endpoint.Tell(new LinkLost(NodeOf("coordinator-node").Node, "connection reset"));
        Assert.Contains("connection reset", proxy.ExpectMsg<Detached>().Reason);
    }

    [Fact]
    public void A_newer_proxy_takes_over_and_the_replaced_one_is_told()
    {
        var endpoint = LoaderEndpoint();
        var first = CreateTestProbe();
        var second = CreateTestProbe();
        endpoint.Tell(new Attach(first.Ref, NodeOf("coordinator-node")), first.Ref);
        first.ExpectMsg<Attached>();

        endpoint.Tell(new Attach(second.Ref, NodeOf("coordinator-node")), second.Ref);
        second.ExpectMsg<Attached>();
        Assert.Contains("newer proxy", first.ExpectMsg<Detached>().Reason);
        endpoint.Tell(new Attach(second.Ref, NodeOf("coordinator-node")), second.Ref); // the same proxy again: nothing to tell
        second.ExpectMsg<Attached>();
        second.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    /// <summary>
    /// A coordinator's node dies: the endpoint detaches on the lost link, the next coordinator's proxy attaches, and
    /// only then does the dead proxy's Terminated arrive. It used to crash the endpoint (DeathPactException: the old
    /// proxy was still watched), which restarted it detached: the new coordinator waited for a loader for good.
    /// </summary>
    [Fact]
    public void A_detached_proxy_that_terminates_after_a_newer_one_attached_leaves_the_endpoint_serving_the_newer()
    {
        var endpoint = LoaderEndpoint();
        var first = CreateTestProbe();
        var second = CreateTestProbe();
        endpoint.Tell(new Attach(first.Ref, NodeOf("coordinator-a")), first.Ref);
        first.ExpectMsg<Attached>();
        endpoint.Tell(new LinkLost(NodeOf("coordinator-a").Node, "connection reset"));
        first.ExpectMsg<Detached>();
        endpoint.Tell(new Attach(second.Ref, NodeOf("coordinator-b")), second.Ref);
        second.ExpectMsg<Attached>();

        Sys.Stop(first.Ref); // the dead coordinator's proxy, removed with its node
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        endpoint.Tell(new LinkLost(NodeOf("coordinator-b").Node, "connection reset")); // answered only while serving the second
        Assert.Contains("connection reset", second.ExpectMsg<Detached>().Reason);
    }

    /// <summary>
    /// The requests queued when the endpoint detached are dropped, not served first to the next proxy: 8 images of
    /// 50 ms each make a batch take 0.4 s, so 8 queued ones would hold the next proxy's first batch back by some 3 s.
    /// </summary>
    [Fact]
    public void Requests_queued_when_the_endpoint_detached_are_dropped_and_the_next_proxy_is_served_at_once()
    {
        var data = Loading.ThrottledDataset.Slow(LoaderData.Synthetic(64, 8, 2, 40, seed: 1), TimeSpan.FromMilliseconds(50));
        var endpoint = Sys.ActorOf(Proxies.LoaderEndpoint.Props(data, new AugmentationSettings(Crop: 32), 1, NodeOf("loader-node"), ActorRefs.Nobody));
        var first = CreateTestProbe();
        endpoint.Tell(new Attach(first.Ref, NodeOf("coordinator-a")), first.Ref);
        first.ExpectMsg<Attached>();
        for (int i = 0; i < 8; i++) endpoint.Tell(new LoadBatch(DataSplit.Train, 0, i, 8, BatchView.Train), first.Ref);
        endpoint.Tell(new LinkLost(NodeOf("coordinator-a").Node, "connection reset"));
        first.FishForMessage(m => m is Detached);

        var second = CreateTestProbe();
        endpoint.Tell(new Attach(second.Ref, NodeOf("coordinator-b")), second.Ref);
        second.ExpectMsg<Attached>();
        endpoint.Tell(new LoadBatch(DataSplit.Train, 0, 5, 8, BatchView.Train), second.Ref);
        var batch = second.ExpectMsg<BatchReady>(TimeSpan.FromSeconds(1.5)); // the one in progress at the cut, if any, then this one
        Assert.Equal(5, batch.Batch.Index);
        second.ExpectNoMsg(TimeSpan.FromSeconds(1)); // nothing of the first proxy's
    }

    [Fact]
    public void A_loader_proxy_told_its_endpoint_detached_stops()
    {
        var endpoint = CreateTestProbe();
        var proxy = Sys.ActorOf(RemoteLoaderProxy.Props(endpoint.Ref, NodeOf("loader-node"), NodeOf("coordinator-node"), ActorRefs.Nobody));
        Watch(proxy);
        endpoint.ExpectMsg<Attach>();
        proxy.Tell(new Attached("loader"), endpoint.Ref);
        proxy.Tell(new Detached("the data channel to coordinator-node failed"), endpoint.Ref);
        ExpectTerminated(proxy);
    }

    [Fact]
    public void A_tower_failure_reported_before_anyone_asked_reaches_the_first_asker()
    {
        var endpoint = CreateTestProbe();
        var proxy = Sys.ActorOf(RemoteTowerProxy.Props(0, new TowerSeat(endpoint.Ref, "cuda:0"), NodeOf("tower-node"), NodeOf("coordinator-node"),
            ActorRefs.Nobody, Wire.WirePrecision.Full));
        endpoint.ExpectMsg<Attach>();
        proxy.Tell(new Attached("cuda:0 tower"), endpoint.Ref);
        // The tower actor crashed as it started (its endpoint reports it at once), before the coordinator existed.
        proxy.Tell(new AlexNet.Actors.Protocol.TowerFailed(-1, -1, "CUDA error: no kernel image is available"), endpoint.Ref);

        var coordinator = CreateTestProbe();
        proxy.Tell(new AlexNet.Actors.Protocol.GetTowerWeights(), coordinator.Ref);
        endpoint.ExpectMsg<AlexNet.Actors.Protocol.GetTowerWeights>();
        Assert.Contains("no kernel image", coordinator.ExpectMsg<AlexNet.Actors.Protocol.TowerFailed>().Reason);
    }
}
