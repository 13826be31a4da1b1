using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace AlexNet.Cluster.Tests;

/// <summary>
/// The end of a run reaches a node that is still joining the cluster, as it reaches the members. Found by
/// deploy/chaos.sh: a loader node restarted 5 s before the run finished was still Joining (a killed tower node
/// was not yet downed, so the cluster could not converge) when the run host told the members; the coordinator's
/// node then shut down, and the restarted node waited for a coordinator until coordinator-timeout.
/// </summary>
public sealed class LatecomerTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);
    private readonly NodeFleet _fleet = new("alexnet-latecomer-", output);

    public void Dispose() => _fleet.Dispose();

    [Fact]
    public void A_node_still_joining_when_the_run_ends_is_told_and_exits()
    {
        // Held in Joining: the killed member is not downed for a minute, and a joining node does not become WeaklyUp.
        var config = Path.Combine(_fleet.Dir, "held.conf");
        File.WriteAllText(config, "alexnet.data.synthetic { train-images = 256, val-images = 16 }\n" +
                                  "akka.cluster.split-brain-resolver.stable-after = 60s\n" +
                                  "akka.cluster.allow-weakly-up-members = off\n" +
                                  "alexnet.cluster.coordinator-timeout = off\n");
        string[] options = { "--config", config, "--data", "synthetic", "--width", "0.25", "--crop", "64", "--batch", "16", "--loaders", "1", "--threads", "1" };
        int port = NodeProcess.FreePort();
        var seed = $"akka.tcp://alexnet@127.0.0.1:{port}";
        // No tower node ever comes: the run ends, failed, when gather-timeout runs out.
        var coordinator = _fleet.Start("coordinator", NodeFleet.NodeArgs("coordinator", port, null).Concat(options).Concat(new[] { "--gather-timeout", "25s" }));
        Assert.True(coordinator.WaitFor(l => l.Contains("waiting for"), Patience), "the coordinator did not start");
        var doomed = _fleet.Start("loader-a", NodeFleet.NodeArgs("loader", 0, seed).Concat(options));
        Assert.True(coordinator.WaitFor(l => l.Contains("joined with 0 tower(s) and 1 loader(s)"), Patience), "loader-a did not join");
        doomed.Kill(); // it no longer sees gossip: the cluster cannot converge, and a node that joins now stays Joining
        var late = _fleet.Start("loader-b", NodeFleet.NodeArgs("loader", 0, seed).Concat(options).Concat(new[] { "--join-timeout", "5m" }));

        Assert.True(coordinator.WaitFor(l => l.Contains("waited 00:00:25 for 2 tower(s)"), Patience), "the run did not end at gather-timeout");
        var clock = Stopwatch.StartNew();
        int code = late.WaitForExit(TimeSpan.FromSeconds(60));
        output.WriteLine($"loader-b exited {code} {clock.Elapsed.TotalSeconds:F1} s after the run ended");
        Assert.Equal(1, code); // the run failed
        Assert.Contains("alexnet node: the run ended: waited 00:00:25 for 2 tower(s)", late.Output);
        Assert.Single(coordinator.Output.Split('\n'), l => l.Contains("joined with")); // loader-b was never enlisted: it was still joining
        Assert.Equal(1, coordinator.WaitForExit(Patience));
    }
}
