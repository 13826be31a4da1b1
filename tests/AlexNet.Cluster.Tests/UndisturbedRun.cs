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

    /// <summary>The final checkpoint folder (step-000000012).</summary>
    public string FinalCheckpoint { get; }

    public UndisturbedRun()
    {
        var checkpoints = Path.Combine(_dir, "checkpoints");
        using var train = new NodeProcess("undisturbed", new[] { "train" }.Concat(Options(_dir)).Concat(new[] { "--checkpoint-dir", checkpoints }), _dir);
        int code = train.WaitForExit(TimeSpan.FromMinutes(3));
        if (code != 0) throw new InvalidOperationException($"the undisturbed run failed ({code}):\n{train.Output}");
        FinalCheckpoint = Path.Combine(checkpoints, CheckpointStore.FolderName(Steps));
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
    /// The largest absolute difference between the final checkpoint of <paramref name="checkpoints"/>
    /// and the undisturbed run's, over every tower's weights and momentum (0 = bit-identical).
    /// </summary>
    public double LargestDifference(string checkpoints, int towers = 2)
    {
        var folder = Path.Combine(checkpoints, CheckpointStore.FolderName(Steps));
        if (!Directory.Exists(folder)) throw new InvalidOperationException($"no final checkpoint {folder}");
        double worst = 0;
        for (int t = 0; t < towers; t++)
        {
            using var scope = NewDisposeScope();
            var expected = SafeTensors.Read(Path.Combine(FinalCheckpoint, CheckpointManifest.TowerFile(t)), out _);
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
