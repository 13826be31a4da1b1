using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using AlexNet.Cluster.Hosting;
using Xunit;
using Xunit.Abstractions;

namespace AlexNet.Cluster.Tests;

/// <summary>
/// akka.cluster.split-brain-resolver.down-all-when-unstable (hocon/cluster.conf): two of three loader
/// nodes SIGKILLed mid-run, seen unreachable about 6 s apart. The second change, between 5.25 and 7 s
/// after the first, restarts stable-after (7 s), so keep-majority decides about 13 s after the first
/// change; with the setting on, Akka downs every member 12.25 s after it (stable-after + max(4 s,
/// 3/4 stable-after)) and the coordinator stops with the run unfinished. With the project's setting
/// (off) keep-majority downs the two dead nodes alone and the run finishes.
/// </summary>
public sealed class UnstableClusterTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private const int Steps = 56;
    /// <summary>The project's stable-after, pinned here (the timing below is planned around it).</summary>
    private static readonly TimeSpan StableAfter = TimeSpan.FromSeconds(7);
    /// <summary>What Akka derives for down-all-when-unstable = on: max(4 s, 3/4 of stable-after) = 5.25 s.</summary>
    private static readonly TimeSpan DownAllWindow = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(4).Ticks, StableAfter.Ticks * 3 / 4));
    /// <summary>
    /// Between the two SIGKILLs: 6.3 s. The coordinator saw the two nodes unreachable 0.1-0.4 s closer together
    /// than they were killed (5.76-6.25 s for kills 6.15-6.33 s apart, eight trials), so this puts the gap near
    /// the middle of (DownAllWindow, StableAfter) = (5.25 s, 7 s).
    /// </summary>
    private static readonly TimeSpan KillGap = TimeSpan.FromSeconds(6.3);

    private NodeFleet _fleet = new("alexnet-unstable-", output);
    private string Dir => _fleet.Dir;

    public void Dispose() => _fleet.Dispose();

    /// <summary>
    /// Each kill is noticed 5.5-6 s later to within about ±0.3 s; should one noticing stray so far that the
    /// scenario misses its window (or the run ends first), the scenario is run once more on fresh nodes
    /// rather than failing: a miss proves nothing either way. What it proves when it does reproduce is asserted.
    /// </summary>
    private const int Attempts = 2;

    /// <summary>
    /// stable-after and acceptable-heartbeat-pause are the project's (pinned); heartbeats every 250 ms and
    /// the failure detector checked every 250 ms (Akka: 1 s each) make a killed node's detection take the
    /// same 5.5-6 s to within about half a second, so the gap between the two detections stays within the
    /// 1.75 s between the down-all window and stable-after. down-all-when-unstable itself is NOT set here:
    /// it comes from hocon/cluster.conf, which is what this test guards.
    /// </summary>
    private string[] Options()
    {
        var config = Path.Combine(Dir, "unstable.conf");
        File.WriteAllText(config, "alexnet.data.synthetic { train-images = 256, val-images = 16 }\n" +
                                  "akka.cluster.failure-detector { heartbeat-interval = 250ms, acceptable-heartbeat-pause = 5s }\n" +
                                  "akka.cluster.unreachable-nodes-reaper-interval = 250ms\n" +
                                  $"akka.cluster.split-brain-resolver.stable-after = {StableAfter.TotalMilliseconds}ms\n");
        return new[] { "--config", config, "--data", "synthetic", "--width", "0.25", "--crop", "64", "--batch", "8", "--steps", Steps.ToString(),
            "--seed", "11", "--loaders", "1", "--threads", "1", "--log-every", "1" };
    }

    private NodeProcess Start(string name, string roles, int port, string? seed, params string[] more) =>
        _fleet.Start(name, NodeFleet.NodeArgs(roles, port, seed).Concat(Options()).Concat(more));

    [Fact]
    public void Two_loader_nodes_killed_6_s_apart_are_downed_alone_and_the_run_finishes()
    {
        for (int attempt = 1; ; attempt++)
        {
            string? miss = Scenario();
            if (miss is null) return;
            output.WriteLine($"attempt {attempt}: not reproduced: {miss}");
            Assert.True(attempt < Attempts, $"the scenario did not reproduce an unstable cluster in {Attempts} attempts: {miss}");
            _fleet.Dispose();
            _fleet = new NodeFleet("alexnet-unstable-", output);
        }
    }

    /// <summary>One run of the scenario on fresh nodes; null when it reproduced the instability (and passed), else why not.</summary>
    private string? Scenario()
    {
        int port = NodeProcess.FreePort();
        var seed = $"akka.tcp://alexnet@127.0.0.1:{port}";
        var coordinator = Start("coordinator", "coordinator", port, null, "--report", "report.json");
        // 100 ms an image: one loader delivers a batch every 0.8 s, so the run (56 steps) is still going when
        // the resolver decides, about 20 s after the first kill (at steps 32-34 in trials), and ends some 18 s
        // later. (28 steps sufficed while a killed loader node stalled the run until it was found unreachable;
        // since its data-channel connection tells at once, the run reached step 28 before the decision.)
        // Fixed ports, so that the test knows each loader node's address.
        var addresses = new Dictionary<NodeProcess, string>();
        var loaders = new[] { "loader-a", "loader-b", "loader-c" }.Select(name =>
        {
            int loaderPort = NodeProcess.FreePort();
            var node = Start(name, "loader", loaderPort, seed, "--loader-read-delay", "100ms");
            addresses[node] = $"akka.tcp://alexnet@127.0.0.1:{loaderPort}";
            return node;
        }).ToList();
        // The towers once the three loader nodes are in: the run then starts with all three, and a loader
        // node that is late under load cannot let the run go on past the planned kill at step 2.
        static bool LoaderJoined(string l) => l.Contains("joined with 0 tower(s) and 1 loader(s)");
        int joined = -1;
        for (int i = 0; i < 3; i++)
        {
            joined = coordinator.WaitForLine(LoaderJoined, Patience, joined + 1);
            Assert.True(joined >= 0, $"only {i} of the 3 loader nodes joined");
        }
        var towers = Start("towers", "tower", 0, seed, "--devices", "cpu,cpu");
        Assert.True(coordinator.WaitFor(l => l.StartsWith("step       2 "), Patience), "the run did not reach step 2");

        var (first, second, survivor) = (loaders[0], loaders[1], loaders[2]);
        var clock = Stopwatch.StartNew();
        first.Kill();
        output.WriteLine($"killed loader-a after step {coordinator.LastStep()}");
        var wait = KillGap - clock.Elapsed;
        if (wait > TimeSpan.Zero) Thread.Sleep(wait);
        second.Kill();
        output.WriteLine($"killed loader-b {clock.Elapsed.TotalSeconds:F2} s after loader-a, after step {coordinator.LastStep()}");

        // The resolver's decision, logged by the leader (any of the survivors) at WARNING.
        var survivors = new[] { coordinator, towers, survivor };
        var (decider, decision) = FirstLine(survivors, l => l.Contains("SBR took decision"), Patience);
        Assert.True(decision is not null, "the split-brain resolver took no decision");
        int stepAtDecision = coordinator.LastStep();
        output.WriteLine($"{decider!.Name}, {clock.Elapsed.TotalSeconds:F1} s after the first kill, at step {stepAtDecision}: {decision}");
        // Otherwise the run could have finished before a down-all, and this test would prove nothing.
        if (stepAtDecision >= Steps || coordinator.Output.Contains("finished:"))
            return $"the run ended before the split-brain resolver decided (step {stepAtDecision} of {Steps})";
        // And the kills must have made the reachability changes the down-all window catches: the second one
        // later than that window after the first, but before stable-after (else the first node is downed alone first).
        var gap = UnreachableAt(coordinator, addresses[second]) - UnreachableAt(coordinator, addresses[first]);
        output.WriteLine($"the coordinator saw the two loader nodes unreachable {gap.TotalSeconds:F2} s apart " +
                         $"(down-all window {DownAllWindow.TotalSeconds} s, stable-after {StableAfter.TotalSeconds} s)");
        if (gap <= DownAllWindow || gap >= StableAfter)
            return $"the loader nodes were seen unreachable {gap.TotalSeconds:F2} s apart, outside ({DownAllWindow.TotalSeconds} s, {StableAfter.TotalSeconds} s)";

        Assert.False(decision!.Contains("SBR.DownAll"),
            $"the split-brain resolver downed every member (akka.cluster.split-brain-resolver.down-all-when-unstable): {decision}");
        var downed = Regex.Match(decision, @"is downing \[(?<nodes>[^\]]*)\]").Groups["nodes"].Value.Split(", ").OrderBy(a => a);
        Assert.Equal(new[] { addresses[first], addresses[second] }.OrderBy(a => a), downed);

        Assert.Equal(0, coordinator.WaitForExit(Patience));
        output.WriteLine($"the run ended {clock.Elapsed.TotalSeconds:F1} s after the first kill");
        var report = RunReport.Read(Path.Combine(Dir, "report.json"));
        Assert.True(report.Succeeded, report.Summary);
        Assert.Equal(Steps, report.Steps);
        Assert.Equal(Enumerable.Range(0, Steps).Select(i => (long)i), report.StepTimes.Select(p => p.Step)); // each step once, in order
        Assert.Equal(0, towers.WaitForExit(Patience));
        Assert.Equal(0, survivor.WaitForExit(Patience));
        return null;
    }

    /// <summary>The first output line of any of the nodes that matches, polled until the timeout; (null, null) if none.</summary>
    private static (NodeProcess? Node, string? Line) FirstLine(IReadOnlyList<NodeProcess> nodes, Func<string, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            foreach (var node in nodes)
                if (node.Output.Split('\n').FirstOrDefault(match) is { } line) return (node, line);
            if (DateTime.UtcNow > deadline) return (null, null);
            Thread.Sleep(100);
        }
    }

    /// <summary>
    /// When <paramref name="node"/> marked <paramref name="address"/> unreachable: the timestamp of Akka's
    /// "[WARNING][MM/dd/yyyy HH:mm:ss.fffZ]... Marking node(s) as UNREACHABLE [Member(address = ADDRESS, ..." line.
    /// </summary>
    private static DateTime UnreachableAt(NodeProcess node, string address)
    {
        var line = node.Output.Split('\n').FirstOrDefault(l => l.Contains("Marking node(s) as UNREACHABLE") && l.Contains($"address = {address},"));
        Assert.True(line is not null, $"{node.Name} never marked {address} unreachable");
        var stamp = Regex.Match(line!, @"^\[\w+\]\[(?<time>[^\]]+)\]").Groups["time"].Value;
        return DateTime.Parse(stamp, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
    }
}
