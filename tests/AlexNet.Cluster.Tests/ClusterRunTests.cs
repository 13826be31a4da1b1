using System.Text.RegularExpressions;
using AlexNet.Actors.Checkpoints;
using AlexNet.Cluster.Hosting;
using AlexNet.Model;
using Xunit;
using Xunit.Abstractions;

// Cluster tests start several real processes on 2 cores: one test at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace AlexNet.Cluster.Tests;

/// <summary>Real clusters: separate `alexnet node` processes talking over loopback TCP.</summary>
public sealed class ClusterRunTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private readonly NodeFleet _fleet = new("alexnet-cluster-", output);
    private string Dir => _fleet.Dir;

    public void Dispose() => _fleet.Dispose();

    private string Config(int trainImages, int validationImages)
    {
        var path = Path.Combine(Dir, "tiny.conf");
        File.WriteAllText(path, $"alexnet.data.synthetic {{ train-images = {trainImages}, val-images = {validationImages} }}\n");
        return path;
    }

    private NodeProcess Start(string name, params string[] args) => _fleet.Start(name, args);

    private static string[] Node(string roles, int port, string? seed, IEnumerable<string> common, params string[] more) =>
        NodeFleet.NodeArgs(roles, port, seed).Concat(common).Concat(more).ToArray();

    /// <param name="dataChannel">on: tensors on the data channel; off: everything through Akka.Remote and our serializer.</param>
    /// <param name="precision">fp16 (12 steps) starts from a loss scale of 2^17, which this network's fp16 gradients
    /// overflow for the first steps: the towers' overflow reports and the skipped updates cross processes too.</param>
    [Theory]
    [InlineData("on", "fp32")]
    [InlineData("off", "fp32")]
    [InlineData("on", "fp16")]
    public void Four_processes_train_to_the_in_process_weights_and_a_misconfigured_node_is_refused(string dataChannel, string precision)
    {
        int steps = precision == "fp16" ? 12 : 6;
        var common = new[] { "--config", Config(256, 32), "--data", "synthetic", "--width", "0.25", "--crop", "64", "--batch", "16",
            "--steps", steps.ToString(), "--seed", "3", "--loaders", "1", "--threads", "1", "--log-every", "1",
            "--precision", precision, "--loss-scale", "131072", "--data-channel", dataChannel };
        int port = NodeProcess.FreePort();
        var seed = $"akka.tcp://alexnet@127.0.0.1:{port}";
        var clusterDir = Path.Combine(Dir, "cluster");
        var coordinator = Start("coordinator", Node("coordinator", port, null, common, "--checkpoint-dir", clusterDir, "--report", "report.json"));
        // Members start once the seed listens: a member refused a connection waits out Akka's gate and
        // the join retry, and a 6-step run can end before the misfit ever reaches the coordinator.
        Assert.True(coordinator.WaitFor(l => l.StartsWith("node: roles coordinator"), Patience), "the coordinator did not start");
        // The misfit first, refused before the run can start: a 6-step run can be over in a second,
        // before a node started beside the others is even up, and a node joining a cluster whose
        // seed has gone keeps trying to join.
        var misfit = Start("misfit", Node("tower", 0, seed, common.Select(a => a == "0.25" ? "0.5" : a).ToArray(), "--devices", "cpu"));
        // A node of another build (its messages are encoded otherwise), as if its program were older.
        var oldConfig = Path.Combine(Dir, "old-build.conf");
        File.WriteAllText(oldConfig, File.ReadAllText(common[1]) + "akka.cluster.app-version = \"1.0.0\"\n");
        var oldBuild = Start("old-build", Node("loader", 0, seed, common.Select(a => a == common[1] ? oldConfig : a).ToArray()));
        Assert.True(misfit.WaitFor(l => l.Contains("refused by the coordinator"), Patience), "the misfit was not refused");
        Assert.True(oldBuild.WaitFor(l => l.Contains("refused by the coordinator"), Patience), "the node of another wire protocol was not refused");
        Start("tower-a", Node("tower", 0, seed, common, "--devices", "cpu"));
        Start("tower-b", Node("tower", 0, seed, common, "--devices", "cpu"));
        Start("loader", Node("loader", 0, seed, common));

        // The one-process run of the same configuration, meanwhile.
        var localDir = Path.Combine(Dir, "local");
        var local = Start("in-process", new[] { "train" }.Concat(common.SkipLast(2)).Concat(new[] { "--checkpoint-dir", localDir }).ToArray());
        Assert.Equal(0, local.WaitForExit(Patience));

        Assert.Equal(2, misfit.WaitForExit(Patience));
        Assert.Contains("refused by the coordinator", misfit.Output);
        Assert.Contains("alexnet.model.width: this node has 0.5, the coordinator 0.25", misfit.Output);
        Assert.Equal(2, oldBuild.WaitForExit(Patience));
        Assert.Contains($"it speaks wire protocol 1, the coordinator {Wire.WireProtocol.Version}", oldBuild.Output);

        Assert.Equal(0, coordinator.WaitForExit(Patience));
        var report = RunReport.Read(Path.Combine(Dir, "report.json"));
        Assert.True(report.Succeeded, report.Summary);
        Assert.Equal(steps, report.Steps);
        // Every node hears of the end and exits 0 (the coordinator's node waits until they confirmed it).
        var members = new[] { "tower-a", "tower-b", "loader" }.Select(name => _fleet.Nodes.Single(n => n.Name == name)).ToList();
        foreach (var node in members) Assert.Equal(0, node.WaitForExit(TimeSpan.FromSeconds(30)));
        if (dataChannel == "on")
        {
            Assert.True(report.ChannelBytesIn > 0 && report.ChannelBytesOut > 0, "tensors should travel on the data channel");
            // Batch buffers go round: the loader's once each batch is sent, the coordinator's once both
            // towers' copies are sent, each tower node's once its tower has read the step's batch.
            foreach (var node in members.Prepend(coordinator))
                Assert.Matches(@"batch buffers: \d+ made, [1-9]\d* reused", node.Output);
        }
        else
            Assert.True(report.ChannelBytesIn == 0 && report.ChannelBytesOut == 0 && report.AkkaBytesIn > 1_000_000, "everything should travel through Akka.Remote");
        Assert.Contains(report.Notices, n => n.IsError && n.Message.Contains("refused node"));
        if (precision == "fp16")
        {
            // Some steps skipped, some applied; the in-process run skipped the same ones (and its weights are compared below).
            var skipped = Regex.Match(coordinator.Output, $@"step +{steps} .* loss scale \d+ \((\d+) skipped\)");
            Assert.True(skipped.Success, "the last progress line shows the loss scale");
            Assert.InRange(int.Parse(skipped.Groups[1].Value), 1, steps - 2);
            Assert.Contains(skipped.Value[skipped.Value.IndexOf("loss scale", StringComparison.Ordinal)..], local.Output);
        }

        var clusterShards = Directory.GetDirectories(clusterDir, "step-*").Single();
        var localShards = Directory.GetDirectories(localDir, "step-*").Single();
        Assert.Equal(Path.GetFileName(localShards), Path.GetFileName(clusterShards));
        double worst = 0;
        for (int t = 0; t < 2; t++)
        {
            var expected = SafeTensors.Read(Path.Combine(localShards, CheckpointManifest.TowerFile(t)), out _);
            var actual = SafeTensors.Read(Path.Combine(clusterShards, CheckpointManifest.TowerFile(t)), out _);
            Assert.Equal(expected.Keys.OrderBy(k => k), actual.Keys.OrderBy(k => k));
            foreach (var (name, e) in expected)
            {
                double scale = e.abs().max().item<float>();
                double err = (actual[name] - e).abs().max().item<float>();
                Assert.True(err <= 1e-4 * Math.Max(scale, 1e-12), $"tower {t} {name}: max difference {err} (scale {scale})");
                worst = Math.Max(worst, err / Math.Max(scale, 1e-12));
            }
        }
        output.WriteLine($"largest relative difference between the cluster's and the in-process weights and momentum: {worst:E2}");
    }

    [Fact]
    public void A_loader_node_joining_raises_images_per_second_and_one_leaving_does_not_stop_the_run()
    {
        const int steps = 45;
        var common = new[] { "--config", Config(512, 16), "--data", "synthetic", "--width", "0.25", "--crop", "64", "--batch", "8",
            "--steps", steps.ToString(), "--seed", "5", "--loaders", "1", "--threads", "1", "--log-every", "1" };
        var slow = new[] { "--loader-read-delay", "100ms" }; // 0.8 s per batch of 8: the loaders are the bottleneck
        int port = NodeProcess.FreePort();
        var seed = $"akka.tcp://alexnet@127.0.0.1:{port}";
        var coordinator = Start("coordinator", Node("coordinator", port, null, common, "--report", "report.json"));
        Start("towers", Node("tower", 0, seed, common, "--devices", "cpu,cpu"));
        var first = Start("loader-a", Node("loader", 0, seed, common, slow));

        Assert.True(coordinator.WaitFor(l => l.StartsWith("step       6 "), Patience), "the run did not reach step 6");
        Start("loader-b", Node("loader", 0, seed, common, slow));
        Assert.True(coordinator.WaitFor(l => l.Contains("joined (2 now)"), Patience), "the second loader was not announced");
        int joinedAt = StepsSoFar(coordinator);
        Assert.True(coordinator.WaitFor(l => l.StartsWith($"step {joinedAt + 14,7} "), Patience), "the run stalled after the join");
        first.Terminate();
        Assert.Equal(143, first.WaitForExit(Patience)); // SIGTERM: it leaves the cluster, then exits

        Assert.Equal(0, coordinator.WaitForExit(Patience));
        var report = RunReport.Read(Path.Combine(Dir, "report.json"));
        Assert.True(report.Succeeded, report.Summary);
        Assert.Equal(steps, report.Steps);
        var joined = report.Notices.First(n => n.Message.Contains("joined (2 now)")).Seconds;
        var left = report.Notices.First(n => n.Message.Contains("data loader") && n.Message.Contains("left")).Seconds;
        double Rate(double from, double to, int skip)
        {
            var window = report.StepTimes.Where(s => s.Seconds > from && s.Seconds <= to).Skip(skip).ToList();
            Assert.True(window.Count >= 4, $"only {window.Count} steps between {from:F1}s and {to:F1}s");
            return (window.Count - 1) * 8 / (window[^1].Seconds - window[0].Seconds);
        }
        double before = Rate(report.StepTimes[1].Seconds, joined, 0);
        double after = Rate(joined, left, 3); // the prefetch window refills from both loaders first
        output.WriteLine($"images/s with one loader: {before:F1}; with two: {after:F1}");
        Assert.True(after >= 1.3 * before, $"images/s went from {before:F1} to {after:F1} when a second loader joined");
    }

    [Fact]
    public void One_node_of_every_role_hands_batches_over_by_reference_and_reuses_their_buffers()
    {
        var node = Start("all", Node("coordinator,tower,loader", NodeProcess.FreePort(), null,
            new[] { "--config", Config(256, 32), "--data", "synthetic", "--width", "0.25", "--crop", "64", "--batch", "16", "--steps", "24", "--threads", "1" }));
        Assert.Equal(0, node.WaitForExit(Patience));
        // Each batch's buffer goes back to the pool once both towers (on this node) have read it.
        var buffers = Regex.Match(node.Output, @"batch buffers: (\d+) made, (\d+) reused");
        Assert.True(buffers.Success, node.Output);
        int made = int.Parse(buffers.Groups[1].Value), reused = int.Parse(buffers.Groups[2].Value);
        Assert.True(reused > made, $"{made} made, {reused} reused: the buffers should go round");
    }

    private static int StepsSoFar(NodeProcess coordinator) =>
        coordinator.Output.Split('\n').Where(l => l.StartsWith("step ")).Select(l => int.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1])).DefaultIfEmpty(0).Max();
}
