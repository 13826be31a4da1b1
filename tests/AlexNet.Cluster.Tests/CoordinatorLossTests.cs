using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace AlexNet.Cluster.Tests;

/// <summary>
/// Coordinator nodes: a stand-in whose configuration differs is refused when it joins (not when it
/// would take over), and nodes left without any coordinator exit after alexnet.cluster.coordinator-timeout
/// so that a supervisor restarts them into the next one.
/// </summary>
public sealed class CoordinatorLossTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);
    private readonly NodeFleet _fleet = new("alexnet-coordinators-", output);
    private string Dir => _fleet.Dir;

    public void Dispose() => _fleet.Dispose();

    private string[] Options(string timeout = "2m")
    {
        var config = Path.Combine(Dir, "tiny.conf");
        File.WriteAllText(config, "alexnet.data.synthetic { train-images = 256, val-images = 16 }\n" +
                                  $"alexnet.cluster.coordinator-timeout = {timeout}\n");
        return new[] { "--config", config, "--data", "synthetic", "--width", "0.25", "--crop", "64", "--batch", "16", "--steps", "500",
            "--loaders", "1", "--threads", "1", "--log-every", "1", "--checkpoint-dir", Path.Combine(Dir, "ck") };
    }

    private NodeProcess Start(string name, string roles, int port, string? seed, string[] options, params string[] more) =>
        _fleet.Start(name, NodeFleet.NodeArgs(roles, port, seed).Concat(options).Concat(more));

    [Theory]
    [InlineData("--width", "0.5", "model configuration differs from the coordinator's: alexnet.model.width: this node has 0.5, the coordinator 0.25")]
    [InlineData("--batch", "32", "run configuration differs from the coordinator's (a coordinator node must be able to take the run over): alexnet.train.batch-size: this node has 32, the coordinator 16")]
    public void A_standby_coordinator_whose_configuration_differs_is_refused_when_it_joins(string flag, string value, string reason)
    {
        int port = NodeProcess.FreePort();
        var seed = $"akka.tcp://alexnet@127.0.0.1:{port}";
        var coordinator = Start("coordinator", "coordinator", port, null, Options());
        Assert.True(coordinator.WaitFor(l => l.Contains("waiting for"), Patience), "the coordinator did not start");
        var misfit = Start("standby-misfit", "coordinator", 0, seed, Options(), flag, value); // the last value of a flag wins
        Assert.Equal(2, misfit.WaitForExit(Patience));
        Assert.Contains($"alexnet node: this node was refused by the coordinator: {reason}", misfit.Output);
        Assert.Contains("refused node", coordinator.Output);
        var standby = Start("standby", "coordinator", 0, seed, Options());
        Assert.True(coordinator.WaitFor(l => l.Contains("it would take the run over should this node go away"), Patience), "the matching standby was not enlisted");
    }

    /// <summary>
    /// The run host waits for a standby to be removed before its own node leaves: leaving, its singleton manager
    /// would otherwise hand the run host over to the exiting standby, which never takes it, and the node's
    /// shutdown waited out Akka's cluster-exiting (10 s) after every other node had gone.
    /// </summary>
    [Fact]
    public void A_run_that_ends_with_a_standby_ends_without_waiting_for_a_hand_over()
    {
        int port = NodeProcess.FreePort();
        var seed = $"akka.tcp://alexnet@127.0.0.1:{port}";
        var coordinator = Start("coordinator", "coordinator", port, null, Options(), "--steps", "20");
        var standby = Start("standby", "coordinator", 0, seed, Options(), "--steps", "20");
        Assert.True(coordinator.WaitFor(l => l.Contains("it would take the run over should this node go away"), Patience), "the standby was not enlisted");
        Start("towers", "tower", 0, seed, Options(), "--devices", "cpu,cpu");
        Start("loader", "loader", 0, seed, Options());
        Assert.Equal(0, coordinator.WaitForExit(Patience));
        Assert.Equal(0, standby.WaitForExit(Patience));
        Assert.Contains("finished: 20 steps", coordinator.Output);
        Assert.DoesNotContain("[cluster-exiting] timed out", coordinator.Output);
    }

    [Fact]
    public void Nodes_left_without_any_coordinator_exit_after_the_coordinator_timeout()
    {
        int port = NodeProcess.FreePort();
        var seed = $"akka.tcp://alexnet@127.0.0.1:{port}";
        var coordinator = Start("coordinator", "coordinator", port, null, Options("5s"));
        var towers = Start("towers", "tower", 0, seed, Options("5s"), "--devices", "cpu,cpu");
        var loader = Start("loader", "loader", 0, seed, Options("5s"));
        Assert.True(coordinator.WaitFor(l => l.StartsWith("step       2 "), Patience), "the run did not reach step 2");
        var clock = Stopwatch.StartNew();
        coordinator.Kill();
        foreach (var node in new[] { towers, loader })
        {
            Assert.Equal(1, node.WaitForExit(Patience));
            output.WriteLine($"{node.Name} exited {clock.Elapsed.TotalSeconds:F1} s after the SIGKILL");
            Assert.Contains("no coordinator took over within 00:00:05 (alexnet.cluster.coordinator-timeout): exiting, so that a supervisor restarts this node", node.Output);
        }
    }

    [Fact]
    public void A_node_that_no_coordinator_enlists_after_it_joined_exits_after_the_coordinator_timeout()
    {
        var lonely = Start("lonely-tower", "tower", NodeProcess.FreePort(), null, Options("3s"), "--devices", "cpu"); // the first seed, no coordinator
        Assert.Equal(1, lonely.WaitForExit(Patience));
        Assert.Contains("alexnet node: no coordinator enlisted this node within 00:00:03 of its joining the cluster (alexnet.cluster.coordinator-timeout)", lonely.Output);
    }
}
