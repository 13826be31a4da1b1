using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace AlexNet.Cluster.Tests;

/// <summary>
/// A coordinator node that crashed and is restarted on its old address (a supervisor's restart) joins the
/// cluster again, as the standby of the node that took its run over.
/// </summary>
public sealed class RejoinTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(1);
    private readonly NodeFleet _fleet = new("alexnet-rejoin-", output);

    public void Dispose() => _fleet.Dispose();

    private string[] Options()
    {
        var config = Path.Combine(_fleet.Dir, "tiny.conf");
        File.WriteAllText(config, "alexnet.data.synthetic { train-images = 256, val-images = 16 }\n");
        return new[] { "--config", config, "--data", "synthetic", "--width", "0.25", "--crop", "64", "--batch", "16", "--steps", "100000",
            "--loaders", "1", "--threads", "1", "--log-every", "1", "--checkpoint-dir", Path.Combine(_fleet.Dir, "ck"), "--join-timeout", "1m",
            "--epochs", "10000" }; // the synthetic set's preset (8 epochs) would end the run within seconds, maybe before the standby joined
    }

    private NodeProcess Start(string name, string roles, int port, string? seeds, params string[] more) =>
        _fleet.Start(name, NodeFleet.NodeArgs(roles, port, seeds).Concat(Options()).Concat(more));

    [Fact]
    public void A_coordinator_node_killed_and_restarted_on_its_old_port_joins_again()
    {
        int portA = NodeProcess.FreePort(), portB = NodeProcess.FreePort();
        string a = $"akka.tcp://alexnet@127.0.0.1:{portA}", b = $"akka.tcp://alexnet@127.0.0.1:{portB}";
        var first = Start("coordinator-a", "coordinator", portA, null);
        var standby = Start("coordinator-b", "coordinator", portB, a);
        Start("towers", "tower", 0, $"{a},{b}", "--devices", "cpu,cpu");
        Start("loader", "loader", 0, $"{a},{b}");
        Assert.True(first.WaitFor(l => l.Contains("it would take the run over should this node go away"), Patience), "the standby was not enlisted");
        Assert.True(first.WaitFor(l => l.StartsWith("step       2 "), Patience), "the run did not reach step 2");
        int from = standby.LineCount;
        first.Kill();
        var clock = Stopwatch.StartNew();
        Thread.Sleep(4500); // a supervisor's restart: the survivors' remoting gates on this address open about now
        var again = Start("coordinator-a-again", "coordinator", portA, b);
        Assert.True(standby.WaitFor(l => l.StartsWith($"coordinator node {a} joined"), Patience, from),
            $"the restarted coordinator node did not join within {Patience}");
        output.WriteLine($"the restarted node was enlisted {clock.Elapsed.TotalSeconds:F1} s after the SIGKILL");
        Assert.False(again.HasExited, "the restarted coordinator node exited");
        Assert.True(standby.WaitFor(l => l.StartsWith("step ") && standby.LastStep() > 2, Patience, from), "the standby did not take the run over");
    }
}
