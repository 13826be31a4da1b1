using System.Text;
using AlexNet.Cluster.Channel;
using AlexNet.Cluster.Hosting;
using Xunit;
using Xunit.Abstractions;

namespace AlexNet.Cluster.Tests;

/// <summary>
/// A cluster with alexnet.cluster.tls on, as real processes: it trains exactly as without TLS, and the tower node's
/// data connection, seen through a wiretap, carries no frame in clear. Before 2026-12-01 TLS had never worked: the
/// seed nodes, written akka.tcp://, cannot be reached by a node whose Akka.Remote speaks akka.ssl.tcp ("no transport
/// is loaded for protocol akka.tcp"), so a node never joined; and the data channel was never encrypted.
/// </summary>
public sealed class TlsClusterTests(UndisturbedRun undisturbed, ITestOutputHelper output) : IClassFixture<UndisturbedRun>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private readonly NodeFleet _fleet = new("alexnet-tls-", output);

    public void Dispose() => _fleet.Dispose();

    [Fact]
    public void A_cluster_with_tls_on_trains_as_one_without_and_its_data_connections_carry_nothing_in_clear()
    {
        var checkpoints = Path.Combine(_fleet.Dir, "checkpoints");
        var certificate = Path.Combine(_fleet.Dir, "cluster.pfx");
        SelfSignedCertificate.WritePfx(certificate, "secret");
        // A self-signed certificate: no authority vouches for it, so validation is off, as the README says for test certificates.
        string tls = $"alexnet.cluster.tls {{ enabled = on, certificate-path = \"{certificate}\", certificate-password = secret, suppress-validation = on }}\n";
        int port = NodeProcess.FreePort(), dataPort = NodeProcess.FreePort();
        using var wiretap = new TcpRelay(dataPort, capture: true);
        var coordinator = _fleet.Start("coordinator", NodeFleet.NodeArgs("coordinator,loader", port, null).Concat(UndisturbedRun.Options(_fleet.Dir, tls))
            .Concat(new[] { "--checkpoint-dir", checkpoints, "--report", "report.json" }));
        // Seeds are written akka.tcp:// as always: with TLS on they are reached as akka.ssl.tcp://.
        var towers = _fleet.Start("towers", NodeFleet.NodeArgs("tower", 0, $"akka.tcp://alexnet@127.0.0.1:{port}").Concat(UndisturbedRun.Options(_fleet.Dir, tls))
            .Concat(new[] { "--devices", "cpu,cpu", "--data-port", dataPort.ToString(), "--data-public-port", wiretap.Port.ToString() }));

        Assert.Equal(0, coordinator.WaitForExit(Patience));
        Assert.Equal(0, towers.WaitForExit(Patience));
        Assert.Contains("akka.ssl.tcp://alexnet@127.0.0.1", coordinator.Output);
        var report = RunReport.Read(Path.Combine(_fleet.Dir, "report.json"));
        Assert.True(report.Succeeded, report.Summary);
        undisturbed.AssertSameWeights(checkpoints, output);

        var wire = wiretap.Captured();
        output.WriteLine($"{wire.Length} bytes passed the wiretap");
        Assert.True(wire.Length > 1_000_000, $"only {wire.Length} bytes passed the wiretap: the towers' traffic went elsewhere");
        // In clear, the hello would begin "ANDC" and each of the hundreds of frames (tensors, heartbeats) "ANDF" (FrameFormat).
        // In ciphertext a given 4 bytes turn up by chance about once in 4 GB: 3 or more in these few MB never do.
        int hellos = Occurrences(wire, "ANDC"u8), frames = Occurrences(wire, "ANDF"u8);
        output.WriteLine($"frame magics in clear: {hellos} hello(s), {frames} frame(s)");
        Assert.True(hellos < 3 && frames < 3, $"{hellos} hello(s) and {frames} frame(s) crossed in clear");
    }

    private static int Occurrences(byte[] haystack, ReadOnlySpan<byte> needle)
    {
        int count = 0;
        for (var rest = haystack.AsSpan(); rest.IndexOf(needle) is var at and >= 0; rest = rest[(at + 1)..]) count++;
        return count;
    }
}
