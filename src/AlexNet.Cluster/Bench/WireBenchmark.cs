using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using AlexNet.Actors.Hosting;
using AlexNet.Cluster.Channel;
using AlexNet.Cluster.Hosting;
using AlexNet.Cluster.Protocol;
using AlexNet.Cluster.Wire;
using AlexNet.Model;

namespace AlexNet.Cluster.Bench;

/// <summary>Throughput of one route for one message size: one at a time (send, wait for arrival) and pipelined.</summary>
public sealed record RouteFigures(string Route, long MessageBytes, int Messages, double SequentialMBps, double SequentialMsPerMessage, double PipelinedMBps);

/// <summary>
/// Moves the same tensor messages (<see cref="WireForwardSegment"/> of a given shape) between two
/// actor systems in this process over loopback TCP, through Akka.Remote (with our serializer), on the
/// data channel, and on the data channel with TLS (alexnet.cluster.tls: what encryption costs), and
/// reports MB/s for each.
/// </summary>
public static class WireBenchmark
{
    public static IReadOnlyList<RouteFigures> Run(long[] shape, int messages)
    {
        using var t = TorchSharp.torch.randn(shape);
        var blob = TensorBlob.From(t);
        var message = new WireForwardSegment(0, Segment.Fc6, blob);
        long bytes = MessageCodec.Default.Encode(message).LongLength;
        var config = ConfigurationFactory.ParseString("""
            akka.actor.provider = remote
            akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
            akka.loglevel = ERROR
            """).WithFallback(ClusterConfig.Defaults).WithFallback(HoconFiles.Reference);
        using var sender = ActorSystem.Create("bench", config);
        using var receiver = ActorSystem.Create("bench", config);
        try
        {
            var arrivals = new Arrivals();
            var sink = receiver.ActorOf(Props.Create(() => new Sink(arrivals)), "sink");
            var address = ((ExtendedActorSystem)receiver).Provider.DefaultAddress;
            var remoteSink = sender.ActorSelection(new RootActorPath(address) / "user" / "sink").ResolveOne(TimeSpan.FromSeconds(10)).Result;
            var akka = Measure("Akka.Remote", bytes, messages, arrivals, () => remoteSink.Tell(message));

            var channel = MeasureDataChannel("data channel", bytes, messages, arrivals, receiver, sink, message, tls: null);
            using var certificate = SelfSignedCertificate.Create();
            var tls = MeasureDataChannel("data channel, TLS", bytes, messages, arrivals, receiver, sink, message,
                new ChannelTls(certificate, suppressValidation: true));
            return new[] { akka, channel, tls };
        }
        finally
        {
            sender.Terminate().Wait(TimeSpan.FromSeconds(10));
            receiver.Terminate().Wait(TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>The data channel from a link in this process to a listener of <paramref name="receiver"/>, plain or with TLS (both ends).</summary>
    private static RouteFigures MeasureDataChannel(string route, long bytes, int messages, Arrivals arrivals, ActorSystem receiver, IActorRef sink,
        object message, ChannelTls? tls)
    {
        var peers = new PeerDirectory();
        var endpoints = new EndpointRegistry();
        using var listener = new ChannelListener("127.0.0.1", 0, peers, endpoints, MessageCodec.Default, (ExtendedActorSystem)receiver,
            1L << 30, TimeSpan.FromSeconds(10), _ => { }, tls: tls);
        listener.Start();
        endpoints.Register("/user/sink", sink);
        var self = new ChannelPoint("bench-sender", "127.0.0.1", 1, PeerDirectory.NewToken());
        peers.Admit(self);
        var target = new ChannelPoint("bench-receiver", "127.0.0.1", listener.Port, PeerDirectory.NewToken());
        string? failure = null;
        using var link = new PeerLink(self, target, MessageCodec.Default, TimeSpan.FromSeconds(10), (_, reason) => failure = reason, tls: tls);
        var figures = Measure(route, bytes, messages, arrivals, () => link.Send("/user/sink", message));
        if (failure is not null) throw new IOException($"{route} failed: {failure}");
        return figures;
    }

    private static RouteFigures Measure(string route, long bytes, int messages, Arrivals arrivals, Action send)
    {
        // Warm-up: connections, buffers, JIT.
        arrivals.Reset();
        send();
        arrivals.WaitFor(1);
        arrivals.Reset();
        var clock = Stopwatch.StartNew();
        for (int i = 1; i <= messages; i++)
        {
            send();
            arrivals.WaitFor(i);
        }
        double sequential = clock.Elapsed.TotalSeconds;
        arrivals.Reset();
        clock.Restart();
        for (int i = 0; i < messages; i++) send();
        arrivals.WaitFor(messages);
        double pipelined = clock.Elapsed.TotalSeconds;
        double mb = bytes * (double)messages / 1e6;
        return new RouteFigures(route, bytes, messages, mb / sequential, sequential * 1000 / messages, mb / pipelined);
    }

    private sealed class Arrivals
    {
        private int _count;
        public void Reset() { lock (this) _count = 0; }
        public void Arrived() { lock (this) { _count++; Monitor.PulseAll(this); } }

        public void WaitFor(int count)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
            lock (this)
                while (_count < count)
                    if (!Monitor.Wait(this, TimeSpan.FromSeconds(1)) && DateTime.UtcNow > deadline)
                        throw new TimeoutException($"{_count} of {count} messages arrived");
        }
    }

    private sealed class Sink : ReceiveActor
    {
        public Sink(Arrivals arrivals) => ReceiveAny(_ => arrivals.Arrived());
    }
}
