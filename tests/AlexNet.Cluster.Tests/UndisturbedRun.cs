using AlexNet.Actors.Checkpoints;
using AlexNet.Model;
using static TorchSharp.torch;

namespace AlexNet.Cluster.Tests;

/// <summary>
/// The run every fault-tolerance test is compared with: the same options trained by `alexnet train`
/// in one process, never disturbed (the cluster gives bit-identical weights for them, see
/// ClusterRunTests). Trained once per test class.
/// </summary>
public sealed class UndisturbedRun : IDisposable
{
    public const int Steps = 12;

    private readonly string _dir = Directory.CreateTempSubdirectory("alexnet-undisturbed-").FullName;

    public UndisturbedRun()
    {
        var checkpoints = Path.Combine(_dir, "checkpoints");
        using var train = new NodeProcess("undisturbed", new[] { "train" }.Concat(Options(_dir)).Concat(new[] { "--checkpoint-dir", checkpoints }), _dir);
        int code = train.WaitForExit(TimeSpan.FromMinutes(3));
        if (code != 0) throw new InvalidOperationException($"the undisturbed run failed ({code}):\n{train.Output}");
    }

    /// <summary>
    /// The training options of every fault-tolerance run: a tiny model, batch 8, 12 steps with a
    /// checkpoint every 4, one intra-op thread per tower, every step logged.
    /// </summary>
    /// <param name="extraConfig">HOCON lines added to the options' config file.</param>
    public static string[] Options(string dir, string extraConfig = "")
    {
        var config = Path.Combine(dir, "tiny.conf");
        // The failure detector tolerates 10 s without heartbeats here instead of 5: with every test
        // class's processes on CI's 2 cores a live node can miss 5 s of them, and a live node taken
        // for dead beside the one a test kills can make a 2-against-2 split that downs the survivors.
        File.WriteAllText(config, "alexnet.data.synthetic { train-images = 256, val-images = 16 }\n" +
                                  "akka.cluster.failure-detector.acceptable-heartbeat-pause = 10s\n" + extraConfig);
        return new[] { "--config", config, "--data", "synthetic", "--width", "0.25", "--crop", "64", "--batch", "8", "--steps", Steps.ToString(),
            "--seed", "11", "--loaders", "1", "--threads", "1", "--log-every", "1", "--checkpoint-every", "4" };
    }

    /// <summary>
    /// Fails unless the final checkpoint of <paramref name="checkpoints"/> is bit-identical to the undisturbed run's
    /// (every tower's weights and momentum). When it is not, the message says where the two runs part: the difference
    /// at each earlier checkpoint both kept, and the first step whose logged loss differs (a race that corrupts one
    /// batch shows there, and which run is off).
    /// </summary>
    public void AssertSameWeights(string checkpoints, Xunit.Abstractions.ITestOutputHelper output, int towers = 2)
    {
        double difference = LargestDifference(checkpoints, Steps, towers);
        output.WriteLine($"largest difference from the undisturbed run's weights and momentum: {difference}");
        if (difference == 0) return;
        var where = new List<string>();
        for (int step = 4; step < Steps; step += 4) // --checkpoint-every 4: both runs keep these (keep-last = 3)
            if (Directory.Exists(Path.Combine(checkpoints, CheckpointStore.FolderName(step))))
                where.Add($"step {step}: {LargestDifference(checkpoints, step, towers)}");
        var mine = Losses(Path.Combine(checkpoints, "run", "metrics.csv"));
        var reference = Losses(Path.Combine(_dir, "checkpoints", "run", "metrics.csv"));
        var first = mine.Keys.Where(reference.ContainsKey).OrderBy(k => k).Where(k => mine[k] != reference[k]).Select(k => (int?)k).FirstOrDefault();
        where.Add(first is { } k
            ? $"first logged loss that differs: step {k}, {mine[k]} here against {reference[k]} in the undisturbed run"
            : "the logged losses agree at every step");
        Xunit.Assert.Fail($"the final weights differ from the undisturbed run's by up to {difference}; {string.Join("; ", where)}");
    }

    /// <summary>Step → loss, from a run's metrics.csv (the last row of a step, should it appear twice).</summary>
    private static Dictionary<int, string> Losses(string metrics) =>
        File.ReadAllLines(metrics).Where(l => l.StartsWith("step,")).Select(l => l.Split(','))
            .GroupBy(f => int.Parse(f[1])).ToDictionary(g => g.Key, g => g.Last()[3]);

    /// <summary>
    /// The largest absolute difference between the checkpoint of <paramref name="step"/> in <paramref name="checkpoints"/>
    /// and the undisturbed run's, over every tower's weights and momentum (0 = bit-identical).
    /// </summary>
    private double LargestDifference(string checkpoints, int step, int towers)
    {
        var folder = Path.Combine(checkpoints, CheckpointStore.FolderName(step));
        if (!Directory.Exists(folder)) throw new InvalidOperationException($"no checkpoint {folder}");
        var reference = Path.Combine(_dir, "checkpoints", CheckpointStore.FolderName(step));
        double worst = 0;
        for (int t = 0; t < towers; t++)
        {
            using var scope = NewDisposeScope();
            var expected = SafeTensors.Read(Path.Combine(reference, CheckpointManifest.TowerFile(t)), out _);
            var actual = SafeTensors.Read(Path.Combine(folder, CheckpointManifest.TowerFile(t)), out _);
            if (!expected.Keys.OrderBy(k => k).SequenceEqual(actual.Keys.OrderBy(k => k)))
                throw new InvalidOperationException($"tower {t}: the shards hold different tensors");
            foreach (var (name, e) in expected)
                worst = Math.Max(worst, (actual[name] - e).abs().max().item<float>());
        }
        return worst;
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
