using AlexNet.Model;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace AlexNet.Model.Tests;

/// <summary>K towers that exchange tensors at conv3, fc6, fc7 and fc8 compute what the grouped one-process network computes.</summary>
public class TowerEquivalenceTests
{
    private static (Tower[] Towers, ReferenceAlexNet Reference) Build(AlexNetConfig config, long seed)
    {
        var reference = new ReferenceAlexNet(config);
        PaperInit.Initialize(reference, seed);
        var towers = Enumerable.Range(0, config.Towers).Select(t => new Tower(config, t)).ToArray();
        for (int t = 0; t < towers.Length; t++)
        {
            var slice = WeightMapping.TowerSlice(reference, t);
            WeightMapping.Load(towers[t], slice);
            foreach (var w in slice.Values) w.Dispose();
        }
        return (towers, reference);
    }

    public static IEnumerable<object[]> Cases()
    {
        foreach (int k in new[] { 1, 2, 4 })
        {
            yield return new object[] { k, false };
            yield return new object[] { k, true };
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_outputs_and_every_gradient_match_the_reference(int k, bool dropout)
    {
        var config = new AlexNetConfig { Towers = k, Classes = 10, Width = 0.25, Crop = 67 };
        var (towers, reference) = Build(config, seed: 11);
        using var scope = NewDisposeScope();
        manual_seed(5);
        var images = randn(4, 3, config.Crop, config.Crop).mul(50);
        var labels = tensor(new long[] { 1, 7, 3, 9 });
        var masks = dropout ? new DropoutMasks(runSeed: 3, step: 42, towers: k, p: 0.5) : null;

        var (towerLoss, towerLogits) = SequentialTowers.ForwardBackward(towers, images, labels, masks);

        var refLogits = reference.Forward(images, masks);
        var refLoss = nn.functional.cross_entropy(refLogits, labels);
        refLoss.backward();

        // The towers' convolutions and sums run in other kernels than the grouped reference's, so they
        // round differently (by about 1e-7 relative here, more on other CPUs); a wrong slice or route differs by O(1).
        Assert.True(towerLogits.allclose(refLogits, rtol: 1e-4, atol: 1e-5), "logits differ");
        Assert.Equal(refLoss.item<float>(), towerLoss, tolerance: 1e-4);

        var refGrads = reference.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!);
        foreach (var (name, _) in reference.named_parameters())
        {
            for (int t = 0; t < k; t++)
            {
                var (offset, rows) = WeightMapping.RowRange(config, name, t);
                var expected = refGrads[name].narrow(0, offset, rows);
                var actual = towers[t].named_parameters().Single(p => p.name == name).parameter.grad!;
                var err = (actual - expected).abs().max().item<float>();
                var scale = expected.abs().max().item<float>();
                Assert.True(err <= 1e-4 * Math.Max(1, scale), $"tower {t} {name}: max error {err} (scale {scale})");
            }
        }
        foreach (var t in towers) t.Dispose();
        reference.Dispose();
    }

    [Fact]
    public void The_paper_network_split_in_two_equals_the_grouped_reference()
    {
        var config = AlexNetConfig.Paper;
        var (towers, reference) = Build(config, seed: 1);
        using var scope = NewDisposeScope();
        manual_seed(2);
        var images = randn(2, 3, 224, 224).mul(60);
        var labels = tensor(new long[] { 17, 923 });
        var (towerLoss, towerLogits) = SequentialTowers.ForwardBackward(towers, images, labels, null);
        var refLogits = reference.forward(images);
        var refLoss = nn.functional.cross_entropy(refLogits, labels);
        refLoss.backward();
        Assert.True(towerLogits.allclose(refLogits, rtol: 1e-4, atol: 1e-5));
        Assert.Equal(refLoss.item<float>(), towerLoss, tolerance: 1e-4 * Math.Max(1, Math.Abs(towerLoss)));
        foreach (var name in new[] { "conv1.weight", "conv3.weight", "fc6.weight", "fc8.bias" })
        {
            var refGrad = reference.named_parameters().Single(p => p.name == name).parameter.grad!;
            var joined = cat(towers.Select(t => (Tensor)t.named_parameters().Single(p => p.name == name).parameter.grad!).ToArray(), 0);
            var err = (joined - refGrad).abs().max().item<float>();
            Assert.True(err <= 1e-5 * Math.Max(1, refGrad.abs().max().item<float>()), $"{name}: {err}");
        }
        foreach (var t in towers) t.Dispose();
        reference.Dispose();
    }

    [Fact]
    public void Weight_mapping_round_trips_exactly()
    {
        var config = new AlexNetConfig { Towers = 4, Classes = 10, Width = 0.25, Crop = 67 };
        var (towers, reference) = Build(config, seed: 9);
        using var copy = new ReferenceAlexNet(config);
        WeightMapping.Gather(towers.Select(t => (IReadOnlyDictionary<string, Tensor>)WeightMapping.Parameters(t)).ToList(), copy);
        foreach (var ((name, a), (_, b)) in reference.named_parameters().Zip(copy.named_parameters()))
            Assert.True(a.equal(b).all().item<bool>(), name);
    }
}
