using System.Net.Sockets;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using AlexNet.Cluster.Channel;
using AlexNet.Cluster.Protocol;
using AlexNet.Cluster.Wire;
using Xunit;

namespace AlexNet.Cluster.Tests;

/// <summary>The data channel on real loopback sockets: frames arrive intact, and only admitted peers get in.</summary>
public sealed class DataChannelTests : TestKit, IDisposable
{
    private readonly PeerDirectory _peers = new();
    private readonly EndpointRegistry _endpoints = new();
    private readonly List<string> _log = new();
    private readonly ChannelListener _listener;
    private readonly ChannelPoint _server;
    private readonly ChannelPoint _client = new("akka.tcp://alexnet@127.0.0.1:5001", "127.0.0.1", 1, PeerDirectory.NewToken());

    public DataChannelTests()
    {
        _listener = new ChannelListener("127.0.0.1", 0, _peers, _endpoints, MessageCodec.Default, (ExtendedActorSystem)Sys,
            1 << 26, TimeSpan.FromSeconds(5), line => { lock (_log) _log.Add(line); });
        _listener.Start();
        _server = new ChannelPoint("akka.tcp://alexnet@127.0.0.1:5000", "127.0.0.1", _listener.Port, PeerDirectory.NewToken());
    }

    void IDisposable.Dispose()
    {
        _listener.Dispose();
        Shutdown();
    }

    private (PeerLink Link, TaskCompletionSource<string> Failure) Connect(ChannelPoint as_)
    {
        var failure = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        return (new PeerLink(as_, _server, MessageCodec.Default, TimeSpan.FromSeconds(10), (_, reason) => failure.TrySetResult(reason)), failure);
    }

    [Fact]
    public void An_admitted_peer_s_frames_reach_the_addressed_endpoint_intact_and_in_order()
    {
        _peers.Admit(_client);
        var probe = CreateTestProbe();
        _endpoints.Register("/user/tower-0", probe.Ref);
        var (link, failure) = Connect(_client);
        using (link)
        {
            var big = Samples.Blob(512, 1024); // 2 MB
            var sent = new object[] { new WireForwardSegment(1, AlexNet.Model.Segment.Trunk, big), new AlexNet.Actors.Protocol.BeginStep(2, Samples.Batch(), true),
                new WireBackwardSegment(3, AlexNet.Model.Segment.Fc8, Samples.Blob()) };
            foreach (var m in sent) Assert.True(link.Send("/user/tower-0", m));
            foreach (var m in sent)
            {
                var got = probe.ExpectMsg<object>(TimeSpan.FromSeconds(20));
                Assert.Equal(MessageCodec.Default.Encode(m), MessageCodec.Default.Encode(got));
            }
            Assert.False(failure.Task.IsCompleted, "the link failed");
        }
    }

    [Fact]
    public async Task The_written_callback_comes_once_per_frame_in_order_and_never_for_a_frame_a_refused_link_dropped()
    {
        _peers.Admit(_client);
        var probe = CreateTestProbe();
        _endpoints.Register("/user/loader", probe.Ref);
        var written = new List<int>();
        var (link, failure) = Connect(_client);
        using (link)
        {
            for (int i = 0; i < 3; i++)
            {
                int n = i;
                var batch = new AlexNet.Actors.Protocol.BatchReady(AlexNet.Actors.Protocol.DataSplit.Train, Samples.Batch(n: 64, side: 32) with { Index = n }, TimeSpan.Zero);
                Assert.True(link.Send("/user/loader", batch, () => { lock (written) written.Add(n); }));
            }
            for (int i = 0; i < 3; i++) Assert.Equal(i, probe.ExpectMsg<AlexNet.Actors.Protocol.BatchReady>(TimeSpan.FromSeconds(20)).Batch.Index);
            AwaitCondition(() => { lock (written) return written.Count == 3; }, TimeSpan.FromSeconds(10));
            lock (written) Assert.Equal(new[] { 0, 1, 2 }, written);
            Assert.False(failure.Task.IsCompleted, "the link failed");
        }

        var stranger = _client with { Node = "akka.tcp://alexnet@127.0.0.1:5002" }; // never admitted
        var (refused, refusal) = Connect(stranger);
        using (refused)
        {
            bool called = false;
            refused.Send("/user/loader", new AlexNet.Actors.Protocol.BatchReady(AlexNet.Actors.Protocol.DataSplit.Train, Samples.Batch(), TimeSpan.Zero), () => called = true);
            await refusal.Task.WaitAsync(TimeSpan.FromSeconds(20));
            await Task.Delay(200);
            Assert.False(called);
        }
    }

    [Fact]
    public async Task A_peer_the_cluster_did_not_introduce_is_refused()
    {
        var (link, failure) = Connect(_client); // never admitted
        using (link)
        {
            var reason = await failure.Task.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Contains("refused", reason);
        }
        lock (_log) Assert.Contains(_log, l => l.Contains("not a peer this cluster introduced"));
    }

    [Fact]
    public async Task A_known_node_name_with_the_wrong_token_is_refused()
    {
        _peers.Admit(_client);
        var impostor = _client with { Token = PeerDirectory.NewToken() };
        var (link, failure) = Connect(impostor);
        using (link)
        {
            var reason = await failure.Task.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Contains("refused", reason);
        }
    }

    /// <summary>
    /// A loader node only connects to the coordinator's node (its batches come that way); the coordinator's node has no
    /// link to it. That connection ending (the loader node SIGKILLed) must still reach the loader's proxy at once.
    /// </summary>
    [Fact]
    public void A_watched_peer_whose_connection_ends_is_reported_lost_where_this_node_has_no_link_to_it()
    {
        var (peers, endpoints) = (new PeerDirectory(), new EndpointRegistry());
        var listener = new ChannelListener("127.0.0.1", 0, peers, endpoints, MessageCodec.Default, (ExtendedActorSystem)Sys,
            1 << 26, TimeSpan.FromSeconds(5), _ => { });
        var self = new ChannelPoint("akka.tcp://alexnet@127.0.0.1:6000", "127.0.0.1", listener.Port, PeerDirectory.NewToken());
        var channel = Sys.ActorOf(DataChannelActor.Props(listener, self, peers, endpoints, TimeSpan.FromSeconds(10)));
        peers.Admit(_client);
        var proxy = CreateTestProbe();
        endpoints.Register("/user/loader-proxy", proxy.Ref);
        channel.Tell(new WatchPeer(_client.Node), proxy.Ref);
        var link = new PeerLink(_client, self, MessageCodec.Default, TimeSpan.FromSeconds(10), (_, _) => { });
        Assert.True(link.Send("/user/loader-proxy", new WireSegmentOutput(3, 1, AlexNet.Model.Segment.Trunk, Samples.Blob())));
        proxy.ExpectMsg<WireSegmentOutput>(TimeSpan.FromSeconds(20)); // connected and admitted
        proxy.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        link.Dispose(); // the peer's process ends: its connection closes
        var lost = proxy.ExpectMsg<LinkLost>(TimeSpan.FromSeconds(10));
        Assert.Equal(_client.Node, lost.Peer);
    }

    /// <summary>
    /// A link's end that only writes learns that the peer closed the connection at once, not at its next write (a
    /// write into a connection closed at the far end may even succeed): a loader endpoint can then be attached anew.
    /// </summary>
    [Fact]
    public async Task A_link_whose_peer_closes_the_connection_fails_at_once_without_writing()
    {
        _peers.Admit(_client);
        var probe = CreateTestProbe();
        _endpoints.Register("/user/tower-0", probe.Ref);
        var (link, failure) = Connect(_client);
        using (link)
        {
            Assert.True(link.Send("/user/tower-0", new WireBackwardSegment(3, AlexNet.Model.Segment.Fc8, Samples.Blob())));
            probe.ExpectMsg<WireBackwardSegment>(TimeSpan.FromSeconds(20)); // connected and admitted
            _listener.Dispose(); // the peer goes away: its end of the connection closes
            var reason = await failure.Task.WaitAsync(TimeSpan.FromSeconds(10)); // TimeoutException: the closed connection went unnoticed
            Assert.Contains("the peer closed the connection", reason);
            Assert.False(link.Send("/user/tower-0", new WireBackwardSegment(4, AlexNet.Model.Segment.Fc8, Samples.Blob())), "a failed link took a message");
        }
    }

    [Fact]
    public void A_frame_of_an_unknown_kind_closes_the_connection()
    {
        _peers.Admit(_client);
        var probe = CreateTestProbe();
        _endpoints.Register("/user/x", probe.Ref);
        using var client = new TcpClient("127.0.0.1", _listener.Port);
        var stream = client.GetStream();
        stream.Write(FrameFormat.Hello(_client.Node, _client.Token));
        Assert.Equal(FrameFormat.Admitted, stream.ReadByte());
        using var payload = new MemoryStream();
        var w = new WireWriter(payload);
        w.String("/user/x");
        w.String("System.Object, System.Private.CoreLib");
        w.Long(42);
        var header = new byte[FrameFormat.HeaderBytes];
        FrameFormat.WriteHeader(header, payload.Length);
        stream.Write(header);
        stream.Write(payload.ToArray());
        stream.ReadTimeout = 20_000;
        int read;
        var one = new byte[1];
        while ((read = stream.Read(one)) == 1) Assert.Equal(FrameFormat.Heartbeat, one[0]); // heartbeats until the close
        Assert.Equal(0, read); // closed by the server
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        lock (_log) Assert.Contains(_log, l => l.Contains("unknown message kind"));
    }

    /// <summary>
    /// A connection black-holed by the network (no close or reset reaches either end) ends within the silence timeout
    /// at both ends, while an idle but live one is kept by the heartbeats. Before, the writing end waited for ever (a
    /// step timed out after step-timeout) and the reading end's thread stayed blocked.
    /// </summary>
    [Fact]
    public async Task A_silent_connection_ends_at_both_ends_within_the_silence_timeout_and_an_idle_live_one_does_not()
    {
        var liveness = new LinkLiveness(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1));
        var (peers, endpoints) = (new PeerDirectory(), new EndpointRegistry());
        using var listener = new ChannelListener("127.0.0.1", 0, peers, endpoints, MessageCodec.Default, (ExtendedActorSystem)Sys,
            1 << 26, TimeSpan.FromSeconds(5), _ => { }, liveness: liveness);
        var closed = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        listener.Start((_, reason) => closed.TrySetResult(reason));
        using var relay = new TcpRelay(listener.Port);
        peers.Admit(_client);
        var probe = CreateTestProbe();
        endpoints.Register("/user/tower-0", probe.Ref);
        var failure = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var server = new ChannelPoint("akka.tcp://alexnet@127.0.0.1:5000", "127.0.0.1", relay.Port, PeerDirectory.NewToken());
        using var link = new PeerLink(_client, server, MessageCodec.Default, TimeSpan.FromSeconds(10), (_, reason) => failure.TrySetResult(reason), liveness);

        Assert.True(link.Send("/user/tower-0", new WireBackwardSegment(3, AlexNet.Model.Segment.Fc8, Samples.Blob())));
        probe.ExpectMsg<WireBackwardSegment>(TimeSpan.FromSeconds(20)); // connected and admitted
        await Task.Delay(TimeSpan.FromSeconds(3)); // idle for three silence timeouts: heartbeats only
        Assert.False(failure.Task.IsCompleted, "an idle live link failed");
        Assert.False(closed.Task.IsCompleted, "the listener closed an idle live connection");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(1, relay.Freeze());
        Assert.True(link.Send("/user/tower-0", new WireBackwardSegment(4, AlexNet.Model.Segment.Fc8, Samples.Blob()))); // lost in the hole
        var reason = await failure.Task.WaitAsync(TimeSpan.FromSeconds(10)); // TimeoutException: the black hole went unnoticed
        Assert.Contains("nothing heard from the peer for 1 s", reason);
        var serverReason = await closed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("nothing arrived for 1 s", serverReason);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"noticed only after {clock.Elapsed.TotalSeconds:F1} s");
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }
}
