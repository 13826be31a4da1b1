using Akka.Actor;
using AlexNet.Actors.Protocol;
using AlexNet.Cluster.Protocol;
using AlexNet.Cluster.Wire;
using AlexNet.Data;
using AlexNet.Model;
using static TorchSharp.torch;

namespace AlexNet.Cluster.Tests;

/// <summary>One message of every kind that crosses processes, with non-trivial field values.</summary>
internal static class Samples
{
    public static TensorBlob Blob(long rows = 3, long cols = 5)
    {
        using var t = randn(rows, cols, generator: manual_seed(7));
        return TensorBlob.From(t);
    }

    public static ImageBatch Batch(int n = 2, int side = 4)
    {
        var rng = new Random(3);
        var pixels = new byte[n * 3 * side * side];
        rng.NextBytes(pixels);
        var lighting = Enumerable.Range(0, 3 * n).Select(i => i * 0.5f - 1).ToArray();
        return new ImageBatch(2, 7, side, pixels, lighting, Enumerable.Range(0, n).Select(i => (i * 8 + 1) % 10).ToArray(),
            Enumerable.Range(0, n).Select(i => new CropBox(i % 3, (i + 2) % 4, i % 2 == 0)).ToArray(), Enumerable.Range(0, n).Select(i => 11 + 31 * i).ToArray());
    }

    public static DatasetStatistics Statistics() =>
        new(2, Enumerable.Range(0, 12).Select(i => i * 0.5f).ToArray(), new[] { 0.2, 0.02, 0.004 }, new double[] { 1, 0, 0, 0, 0.6, 0.8, 0, -0.8, 0.6 });

    public static readonly AlexNetConfig Config = new() { Towers = 2, Classes = 10, Width = 0.25, Crop = 64, Dropout = 0.4 };

    public static ChannelPoint Channel => new("akka.tcp://alexnet@127.0.0.1:4053", "127.0.0.1", 40123, Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());

    public static NodeProfile Profile => new(Config, 5, new AugmentationSettings(64, true, 0.1), "synthetic",
        Hosting.RunTerms.Of(new AlexNet.Actors.Training.TrainingSettings { BatchSize = 32, CheckpointDir = "/shared/ck" }));

    public static IEnumerable<object> All(IActorRef actor) => new object[]
    {
        new WireInitializeTower(1, Config, new Dictionary<string, TensorBlob> { ["conv1.weight"] = Blob(), ["conv1.bias"] = Blob(1, 3) },
            0.9, 5e-4, MomentumForm.PyTorch, 42, Statistics(), new ShardRef("/ck/tower-1.safetensors", "abc123"),
            new ComputeOptions
            {
                MemoryFormat = MemoryFormat.ChannelsLast, Precision = Precision.Fp16, LossScale = 256, LossScaleMode = LossScaleMode.Static,
                LossScaleGrowthInterval = 77, PinnedMemory = false,
            }),
        new WireInitializeTower(0, Config, new Dictionary<string, TensorBlob>(), 0.9, 5e-4, MomentumForm.Paper, 1, Statistics(), null, ComputeOptions.Default),
        new TowerReady(1, 123456, "cpu"),
        new BeginStep(17, Batch(), true),
        new BeginStep(18, Batch(), true, LossScale: 32768),
        new WireForwardSegment(17, Segment.Fc6, Blob()),
        new WireSegmentOutput(17, 1, Segment.Trunk, Blob()),
        new WireBackwardSegment(17, Segment.Fc8, Blob()),
        new WireInputGradient(17, 0, Segment.Fc7, Blob()),
        new BackwardDone(17, 1),
        new BackwardDone(18, 0, GradientsFinite: false),
        new ApplyUpdate(17, 0.001),
        new ApplyUpdate(18, 0.001, Skip: true),
        new UpdateApplied(17, 0),
        new SaveShard(20, "/ck/.staging/tower-0.safetensors"),
        new ShardSaved(20, 0, "/ck/tower-0.safetensors", "deadbeef", 4096),
        new ShardSaveFailed(20, 1, "disk full"),
        new GetTowerWeights(),
        new WireTowerWeights(1, new Dictionary<string, TensorBlob> { ["fc8.weight"] = Blob() }, new Dictionary<string, TensorBlob> { ["fc8.weight"] = Blob() }),
        new WireSetTowerWeights(new Dictionary<string, TensorBlob> { ["fc8.weight"] = Blob() }, null),
        new TowerFailed(1, 17, "InvalidOperationException: boom"),
        new DescribeData(),
        new DataDescription("synthetic", 256, 32, new[] { "a", "b" }, 72, Statistics()),
        new LoadBatch(DataSplit.Validation, 3, 4, 16, BatchView.Centre),
        new BatchReady(DataSplit.Train, Batch(), TimeSpan.FromMilliseconds(12.5)),
        new BatchReady(DataSplit.Validation, Batch() with { Skipped = new[] { new SkippedImage(41, "record 3 is not a readable JPEG"), new SkippedImage(8, "I/O error") } },
            TimeSpan.FromMilliseconds(3)),
        new BatchFailed(DataSplit.Train, 1, 2, "IOException: gone"),
        new Enlist(actor, Profile, Channel),
        new NodeOffer("akka.tcp://alexnet@127.0.0.1:4054", new[] { "tower", "loader" }, Profile, Channel,
            new[] { new TowerSeat(actor, "cuda:1") }, new[] { actor }),
        new NodeRefused("model configuration differs"),
        new RunEnded(true, "finished after 6 steps"),
        new RunEndSeen("akka.tcp://alexnet@127.0.0.1:4054"),
        new Attach(actor, Channel),
        new Attached("cpu tower"),
        new Detached("the data channel to akka.tcp://alexnet@10.0.0.2:4053 failed: connection reset"),
        new ReleaseTowerNode("akka.tcp://alexnet@10.0.0.7:4053"),
        new TowerNodeReleased("checkpointed the run after step 6: /data/ck/step-000000006"),
    };
}
