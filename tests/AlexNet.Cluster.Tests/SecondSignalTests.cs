using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace AlexNet.Cluster.Tests;

/// <summary>
/// `alexnet node` and a second signal, as `alexnet train`: the first SIGTERM makes the node leave in order,
/// which may wait up to hand-over-timeout for the run's checkpoint; a second one ends the process at once.
/// </summary>
public sealed class SecondSignalTests(ITestOutputHelper output) : IDisposable
{
    private readonly NodeFleet _fleet = new("alexnet-second-signal-", output);

    public void Dispose() => _fleet.Dispose();

    /// <summary>
    /// A tiny model, as the fault-tolerance runs; the failure detector waits 60 s, so that the frozen
    /// coordinator's node still counts as reachable for the whole test (the tower node would otherwise stop
    /// waiting for it once it is unreachable, and leave).
    /// </summary>
    private string[] Options()
    {
        var config = Path.Combine(_fleet.Dir, "tiny.conf");
        File.WriteAllText(config, "alexnet.data.synthetic { train-images = 256, val-images = 16 }\n" +
                                  "akka.cluster.failure-detector.acceptable-heartbeat-pause = 60s\n");
        return new[] { "--config", config, "--data", "synthetic", "--width", "0.25", "--crop", "64", "--batch", "8", "--seed", "11", "--threads", "1" };
    }

    [Fact]
    public void A_second_sigterm_ends_a_tower_node_at_once_while_it_waits_for_the_run_host_to_release_it()
    {
        var options = Options();
        int port = NodeProcess.FreePort();
        var coordinator = _fleet.Start("coordinator", NodeFleet.NodeArgs("coordinator", port, null).Concat(options));
        var tower = _fleet.Start("tower", NodeFleet.NodeArgs("tower", 0, $"akka.tcp://alexnet@127.0.0.1:{port}").Concat(options)
            .Concat(new[] { "--devices", "cpu", "--hand-over-timeout", "5m" }));
        var patience = TimeSpan.FromMinutes(2);
        Assert.True(coordinator.WaitFor(l => l.Contains("joined with 1 tower(s)"), patience), "the tower node was not enlisted");

        // The run host is enlisting the tower node, so the node's release goes to it; frozen, it never answers.
        coordinator.Freeze();
        tower.Terminate();
        // The second signal only once the first is seen: two SIGTERMs sent back to back can reach the process
        // as one (a signal still pending when the next comes is not queued twice).
        Assert.True(tower.WaitFor(l => l.Contains("alexnet node: SIGTERM: leaving the cluster, once the run is checkpointed if it trains on this node's towers") &&
                                       l.EndsWith("SIGTERM again stops at once"), TimeSpan.FromSeconds(30)), "no line for the first SIGTERM");
        Thread.Sleep(TimeSpan.FromSeconds(2));
        Assert.False(tower.HasExited, "the tower node left without waiting for the run host");

        var clock = Stopwatch.StartNew();
        tower.Terminate();
        // Without the second signal it would wait for hand-over-timeout (5 minutes here) or for the failure
        // detector (60 s); an immediate exit takes well under a second, 15 s leaves room for a loaded machine.
        int code = tower.WaitForExit(TimeSpan.FromSeconds(15));
        output.WriteLine($"the tower node ended {clock.Elapsed.TotalSeconds:F2} s after the second SIGTERM");
        Assert.Equal(137, code);
        Assert.Contains("alexnet node: SIGTERM again: stopped at once, without leaving the cluster", tower.Output);
        Assert.DoesNotContain("stopped by a signal after leaving the cluster", tower.Output);
    }
}
