using System.Diagnostics;
using AlexNet.Cluster.Hosting;
using Xunit;
using Xunit.Abstractions;

namespace AlexNet.Cluster.Tests;

/// <summary>
/// A loader node whose data connection to the coordinator's node is black-holed while the node stays in the cluster
/// (a NAT or firewall forgetting the connection: nothing arrives, and no close or reset either) is attached again once
/// the silence timeout ends the connection, and the run goes on with it. (A cut connection, closed or reset, is
/// noticed at once: DataChannelTests, and the tower test here.) Before,
/// its proxy stopped and nothing attached it again: with no other loader the run waited until step-timeout and
/// failed; with others it ran on without that node's loaders for good. A tower node's cut connection costs a rollback:
/// the node is enlisted again and the run resumes on its towers from the newest checkpoint.
/// </summary>
public sealed class ConnectionLossTests(UndisturbedRun undisturbed, ITestOutputHelper output) : IClassFixture<UndisturbedRun>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private readonly NodeFleet _fleet = new("alexnet-connection-loss-", output);

    public void Dispose() => _fleet.Dispose();

    [Fact]
    public void A_loader_node_whose_data_connection_is_black_holed_is_attached_again_and_the_run_finishes_as_if_undisturbed()
    {
        var checkpoints = Path.Combine(_fleet.Dir, "checkpoints");
        // 4 s of silence ends a connection here (10 s by default): the test is shorter, and still long enough for CI.
        const string liveness = "alexnet.cluster.data-channel { heartbeat-interval = 500ms, silence-timeout = 4s }\n";
        int port = NodeProcess.FreePort(), dataPort = NodeProcess.FreePort();
        // The coordinator's node has the towers too, so the loader node's is the only connection into its data
        // channel, and it comes through the relay: peers are told the relay's port (--data-public-port).
        using var relay = new TcpRelay(dataPort);
        var coordinator = _fleet.Start("coordinator", NodeFleet.NodeArgs("coordinator,tower", port, null).Concat(UndisturbedRun.Options(_fleet.Dir, liveness))
            .Concat(new[] { "--devices", "cpu,cpu", "--data-port", dataPort.ToString(), "--data-public-port", relay.Port.ToString(),
                "--checkpoint-dir", checkpoints, "--report", "report.json" }));
        // The only loader, slowed (80 ms an image) so that the run is still going when the test cuts.
        var loader = _fleet.Start("loader", NodeFleet.NodeArgs("loader", 0, $"akka.tcp://alexnet@127.0.0.1:{port}")
            .Concat(UndisturbedRun.Options(_fleet.Dir, liveness)).Concat(new[] { "--loader-read-delay", "80ms" }));

        Assert.True(coordinator.WaitFor(l => l.StartsWith("step       3 "), Patience), "the run did not reach step 3");
        int before = coordinator.LineCount;
        var clock = Stopwatch.StartNew();
        int frozen = relay.Freeze();
        output.WriteLine($"black-holed {frozen} connection(s) after step {coordinator.LastStep()}");
        Assert.Equal(1, frozen);

        int lost = coordinator.WaitForLine(l => l.Contains("the node is still in the cluster: attaching it again in 1 s"), Patience, before);
        Assert.True(lost >= 0, "the black-holed connection was not noticed");
        output.WriteLine($"noticed {clock.Elapsed.TotalSeconds:F1} s after the black hole: {coordinator.Line(lost)}");
        // Either end may notice the silence first: the loader node's link ("nothing heard from the peer for 4 s", told
        // through its endpoint) or this node's side of that connection ("nothing arrived for 4 s"); which one depends on
        // where the two ends' heartbeats were when the relay froze (about 150 ms apart in passing runs).
        Assert.Matches(@"(nothing heard from the peer|nothing arrived) for 4 s \(alexnet\.cluster\.data-channel\.silence-timeout\)", coordinator.Line(lost));
        int again = coordinator.WaitForLine(l => l.Contains("attached again"), Patience, lost);
        Assert.True(again >= 0, "the loader was not attached again");
        output.WriteLine($"attached again {clock.Elapsed.TotalSeconds:F1} s after the black hole");
        Assert.True(coordinator.WaitFor(l => l.StartsWith("step "), Patience, again), "no step after the loader was attached again");
        output.WriteLine($"first step {clock.Elapsed.TotalSeconds:F1} s after the black hole");
        Assert.Equal(2, relay.Connections); // the loader node connected anew, through the relay

        Assert.Equal(0, coordinator.WaitForExit(Patience));
        Assert.Equal(0, loader.WaitForExit(Patience));
        var report = RunReport.Read(Path.Combine(_fleet.Dir, "report.json"));
        Assert.True(report.Succeeded, report.Summary);
        Assert.Single(report.Starts); // no rollback: the run waited for its loader and went on
        AssertEveryStepOnceAndUndisturbed(checkpoints);
    }

    [Fact]
    public void A_tower_node_whose_data_connection_is_cut_is_enlisted_again_and_the_run_resumes_on_it_from_the_last_checkpoint()
    {
        var checkpoints = Path.Combine(_fleet.Dir, "checkpoints");
        int port = NodeProcess.FreePort(), dataPort = NodeProcess.FreePort();
        // The loader is on the coordinator's node, so the coordinator's node connects to the tower node alone, through the relay.
        using var relay = new TcpRelay(dataPort);
        var coordinator = _fleet.Start("coordinator", NodeFleet.NodeArgs("coordinator,loader", port, null).Concat(UndisturbedRun.Options(_fleet.Dir))
            .Concat(new[] { "--checkpoint-dir", checkpoints, "--report", "report.json", "--loader-read-delay", "80ms" }));
        var towers = _fleet.Start("towers", NodeFleet.NodeArgs("tower", 0, $"akka.tcp://alexnet@127.0.0.1:{port}").Concat(UndisturbedRun.Options(_fleet.Dir))
            .Concat(new[] { "--devices", "cpu,cpu", "--data-port", dataPort.ToString(), "--data-public-port", relay.Port.ToString() }));

        Assert.True(coordinator.WaitFor(l => l.StartsWith("step       5 "), Patience), "the run did not reach step 5");
        int before = coordinator.LineCount;
        var clock = Stopwatch.StartNew();
        int cut = relay.Cut();
        output.WriteLine($"cut {cut} connection(s) after step {coordinator.LastStep()}");
        Assert.Equal(1, cut);
        int resumed = coordinator.WaitForLine(l => l.Contains("resuming the run with 2 tower(s)"), Patience, before);
        Assert.True(resumed >= 0, "the run did not resume");
        Assert.True(coordinator.WaitFor(l => l.StartsWith("step "), Patience, resumed), "no step after the run resumed");
        output.WriteLine($"first step {clock.Elapsed.TotalSeconds:F1} s after the cut");
        Assert.Equal(2, relay.Connections); // the coordinator's node connected anew, through the relay

        Assert.Equal(0, coordinator.WaitForExit(Patience));
        Assert.Equal(0, towers.WaitForExit(Patience));
        var report = RunReport.Read(Path.Combine(_fleet.Dir, "report.json"));
        Assert.True(report.Succeeded, report.Summary);
        Assert.Equal(2, report.Starts.Count); // one rollback, on the same node's towers
        output.WriteLine($"the run resumed from step {report.Starts.Last().FromStep}");
        AssertEveryStepOnceAndUndisturbed(checkpoints);
    }

    private void AssertEveryStepOnceAndUndisturbed(string checkpoints)
    {
        var metrics = File.ReadAllLines(Path.Combine(checkpoints, "run", "metrics.csv")).Where(l => l.StartsWith("step,")).Select(l => l.Split(',')[1]);
        Assert.Equal(Enumerable.Range(1, UndisturbedRun.Steps).Select(i => i.ToString()), metrics);
        undisturbed.AssertSameWeights(checkpoints, output);
    }
}
