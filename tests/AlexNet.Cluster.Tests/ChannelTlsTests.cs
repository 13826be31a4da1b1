using Akka.Actor;
using Akka.TestKit.Xunit2;
using AlexNet.Actors.Protocol;
using AlexNet.Cluster.Channel;
using AlexNet.Cluster.Protocol;
using AlexNet.Cluster.Wire;
using Xunit;

namespace AlexNet.Cluster.Tests;

/// <summary>
/// The data channel with alexnet.cluster.tls on, on real loopback sockets, through a relay that keeps a copy of
/// every byte (a wiretap). Before, TLS covered Akka.Remote only: the data channel's hello token and every tensor
/// and image crossed the network in clear.
/// </summary>
public sealed class ChannelTlsTests : TestKit
{
    private static readonly ChannelPoint Client = new("akka.tcp://alexnet@127.0.0.1:5001", "127.0.0.1", 1, PeerDirectory.NewToken());
    private readonly List<string> _log = new();

    /// <summary>A listener admitting <see cref="Client"/>, with an endpoint "/user/loader" that is the returned probe.</summary>
    private (ChannelListener Listener, Akka.TestKit.TestProbe Probe) Listen(ChannelTls? tls)
    {
        var (peers, endpoints) = (new PeerDirectory(), new EndpointRegistry());
        var listener = new ChannelListener("127.0.0.1", 0, peers, endpoints, MessageCodec.Default, (ExtendedActorSystem)Sys,
            1 << 26, TimeSpan.FromSeconds(5), line => { lock (_log) _log.Add(line); }, tls: tls);
        listener.Start();
        peers.Admit(Client);
        var probe = CreateTestProbe();
        endpoints.Register("/user/loader", probe.Ref);
        return (listener, probe);
    }

    private static (PeerLink Link, TaskCompletionSource<string> Failure) Connect(int port, ChannelTls? tls)
    {
        var failure = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var server = new ChannelPoint("akka.tcp://alexnet@127.0.0.1:5000", "127.0.0.1", port, PeerDirectory.NewToken());
        return (new PeerLink(Client, server, MessageCodec.Default, TimeSpan.FromSeconds(10), (_, reason) => failure.TrySetResult(reason), tls: tls), failure);
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void With_tls_a_wiretap_sees_neither_the_token_nor_the_pixels_and_without_it_sees_both(bool encrypted)
    {
        var tls = encrypted ? new ChannelTls(SelfSignedCertificate.Create(), suppressValidation: true) : null;
        var (listener, probe) = Listen(tls);
        using var _ = listener;
        using var relay = new TcpRelay(listener.Port, capture: true);
        var (link, failure) = Connect(relay.Port, tls);
        using (link)
        {
            var batch = new BatchReady(DataSplit.Train, Samples.Batch(n: 4, side: 16), TimeSpan.Zero);
            Assert.True(link.Send("/user/loader", batch));
            var got = probe.ExpectMsg<BatchReady>(TimeSpan.FromSeconds(20));
            Assert.Equal(MessageCodec.Default.Encode(batch), MessageCodec.Default.Encode(got)); // intact through TLS
            Assert.False(failure.Task.IsCompleted, "the link failed");

            var wire = relay.Captured();
            Assert.True(wire.Length > batch.Batch.Pixels.Length, $"only {wire.Length} bytes passed the relay");
            Assert.Equal(!encrypted, Contains(wire, Client.Token));
            Assert.Equal(!encrypted, Contains(wire, batch.Batch.Pixels.AsSpan(0, 64).ToArray()));
        }
    }

    [Fact]
    public async Task A_tls_listener_refuses_a_plain_peer_and_a_tls_peer_gets_nothing_from_a_plain_listener()
    {
        var tls = new ChannelTls(SelfSignedCertificate.Create(), suppressValidation: true);
        var (secure, secureProbe) = Listen(tls);
        using (secure)
        {
            var (plain, failure) = Connect(secure.Port, tls: null);
            using (plain)
            {
                plain.Send("/user/loader", new BatchReady(DataSplit.Train, Samples.Batch(), TimeSpan.Zero));
                await failure.Task.WaitAsync(TimeSpan.FromSeconds(20));
                secureProbe.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
            }
            lock (_log) Assert.Contains(_log, l => l.Contains("refused a connection"));
        }

        var (open, openProbe) = Listen(tls: null);
        using (open)
        {
            var (link, failure) = Connect(open.Port, tls);
            using (link)
            {
                link.Send("/user/loader", new BatchReady(DataSplit.Train, Samples.Batch(), TimeSpan.Zero));
                await failure.Task.WaitAsync(TimeSpan.FromSeconds(20));
                openProbe.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
            }
        }
    }

    /// <summary>With suppress-validation off (the default) a certificate no trusted authority signed is refused, as by Akka.Remote.</summary>
    [Fact]
    public async Task With_validation_on_a_certificate_no_trusted_authority_signed_is_refused()
    {
        var tls = new ChannelTls(SelfSignedCertificate.Create(), suppressValidation: false);
        var (listener, probe) = Listen(tls);
        using (listener)
        {
            var (link, failure) = Connect(listener.Port, tls);
            using (link)
            {
                link.Send("/user/loader", new BatchReady(DataSplit.Train, Samples.Batch(), TimeSpan.Zero));
                var reason = await failure.Task.WaitAsync(TimeSpan.FromSeconds(20));
                Assert.Contains("Authentication", reason);
                probe.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
            }
        }
    }
}
