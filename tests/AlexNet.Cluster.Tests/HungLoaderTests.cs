using Xunit;
using Xunit.Abstractions;

namespace AlexNet.Cluster.Tests;

/// <summary>
/// A loader node that stays in the cluster but delivers nothing (its reads take 100 s): one step timeout
/// takes all its loader actors off the run, and the coordinator started after a tower recovery is not
/// given them again.
/// </summary>
public sealed class HungLoaderTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private readonly NodeFleet _fleet = new("alexnet-hung-", output);
    private string Dir => _fleet.Dir;

    public void Dispose() => _fleet.Dispose();

    private NodeProcess Start(string name, string roles, string? seed, int port, params string[] more)
    {
        var config = Path.Combine(Dir, "tiny.conf");
        File.WriteAllText(config, "alexnet.data.synthetic { train-images = 512, val-images = 16 }\nalexnet.coordinator.step-timeout = 6s\n" +
                                  "akka.cluster.failure-detector.acceptable-heartbeat-pause = 10s\n");
        var args = NodeFleet.NodeArgs(roles, port, seed)
            .Concat(new[] { "--config", config, "--data", "synthetic", "--width", "0.25", "--crop", "64", "--batch", "16", "--steps", "60",
                "--loaders", "2", "--threads", "1", "--log-every", "1", "--checkpoint-dir", Path.Combine(Dir, "ck"), "--checkpoint-every", "5" })
            .Concat(more);
        return _fleet.Start(name, args);
    }

    [Fact]
    public void A_hung_loader_node_costs_one_step_timeout_and_is_not_handed_to_the_coordinator_after_a_recovery()
    {
        int port = NodeProcess.FreePort();
        var seed = $"akka.tcp://alexnet@127.0.0.1:{port}";
        var coordinator = Start("coordinator", "coordinator", null, port);
        Start("tower-a", "tower", seed, 0, "--devices", "cpu");
        var victim = Start("tower-b", "tower", seed, 0, "--devices", "cpu");
        Start("loader", "loader", seed, 0, "--loader-read-delay", "20ms");
        Assert.True(coordinator.WaitFor(l => l.StartsWith("step       2 "), Patience), "the run did not reach step 2");
        Start("hung-loader", "loader", seed, 0, "--loader-read-delay", "100s");

        int withdrawn = coordinator.WaitForLine(l => l.Contains("withdrawn from the run (2 loader(s))"), Patience);
        Assert.True(withdrawn >= 0, "the hung loader node was not withdrawn");
        victim.Kill();
        Start("tower-b-restarted", "tower", seed, 0, "--devices", "cpu");
        Assert.True(coordinator.WaitFor(l => l.Contains("resuming the run with 2 tower(s) and 2 loader(s)"), Patience, withdrawn),
            "the coordinator after the recovery did not resume with the healthy node's 2 loaders only");
        Assert.Equal(0, coordinator.WaitForExit(Patience));
        var lines = coordinator.Output.Split('\n');
        // One wait for the node, none after the recovery (the coordinator's notices, one line each).
        Assert.Single(lines, l => l.StartsWith("data loader ") && l.Contains(" did not deliver ") && !l.Contains("same node"));
        Assert.Single(lines, l => l.StartsWith("data loader ") && l.Contains("is on the same node as data loader"));
    }
}
