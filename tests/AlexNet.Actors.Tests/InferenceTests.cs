using AlexNet.Actors.Checkpoints;
using AlexNet.Actors.Inference;
using AlexNet.Actors.Training;
using AlexNet.Data;
using AlexNet.Model;
using Xunit;
using static TorchSharp.torch;

namespace AlexNet.Actors.Tests;

/// <summary>The inference pieces on a freshly initialised tiny network and the synthetic set.</summary>
public class InferenceTests
{
    private static ReferenceAlexNet Network(long seed = 3)
    {
        var net = new ReferenceAlexNet(TestSetup.Tiny(2));
        PaperInit.Initialize(net, seed);
        net.eval();
        return net;
    }

    [Fact]
    public void Ten_crop_probabilities_are_the_mean_of_the_ten_single_view_softmaxes()
    {
        using var net = Network();
        var data = TestSetup.Data(train: 16, validation: 8);
        using var classifier = new ImageClassifier(net, CPU, data.Statistics);
        var samples = Enumerable.Range(0, 8).ToArray();
        using var tenCrop = classifier.TenCropProbabilities(data.Validation, samples);

        // Independently: each view assembled, normalised, run and softmaxed by hand.
        using var scope = NewDisposeScope();
        using var normalizer = new InputNormalizer(data.Statistics, CPU);
        var assembler = new BatchAssembler(data.Validation, data.Statistics, new AugmentationSettings(64, Flip: false, LightingStd: 0), seed: 0);
        var singles = BatchAssembler.TenViews.Select(v =>
        {
            using var noGrad = no_grad();
            return net.forward(normalizer.Normalize(assembler.Assemble(0, 0, samples, v))).softmax(1);
        }).ToArray();
        var mean = stack(singles, 0).mean(new long[] { 0 });

        Assert.True(tenCrop.allclose(mean, rtol: 1e-5, atol: 1e-7));
        Assert.False(singles[0].allclose(singles[5])); // a corner and its mirror image differ: the views are real
        Assert.True(tenCrop.sum(1).allclose(ones(8), rtol: 1e-5));
    }

    [Fact]
    public void Streaming_neighbour_search_finds_what_a_full_distance_matrix_finds()
    {
        using var scope = NewDisposeScope();
        using var generator = new TorchSharp.torch.Generator(5);
        var queries = randn(new long[] { 3, 16 }, generator: generator);
        var candidates = randn(new long[] { 50, 16 }, generator: generator);
        using var search = new NeighbourSearch(queries, k: 4);
        for (int start = 0; start < 50; start += 7)
        {
            int n = Math.Min(7, 50 - start);
            search.Add(candidates.narrow(0, start, n), Enumerable.Range(start, n).ToArray());
        }
        var found = search.Result();
        var (_, expected) = cdist(queries, candidates).topk(4, dim: 1, largest: false);
        for (int q = 0; q < 3; q++)
            Assert.Equal(expected[q].data<long>().ToArray().Select(i => (int)i), found[q].Select(f => f.Index));
    }

    [Fact]
    public void Weights_written_as_a_checkpoint_verify_and_load_back_bit_exact()
    {
        var root = Directory.CreateTempSubdirectory("import-").FullName;
        try
        {
            using var net = Network(seed: 9);
            var folder = CheckpointFromWeights.Write(net, root, seed: 4, source: "test");
            var manifest = CheckpointStore.Verify(folder, net.Config);
            Assert.Equal(4, manifest.State.Seed);
            using var back = CheckpointWeights.LoadReference(folder, manifest, CPU);
            var original = WeightMapping.Parameters(net);
            foreach (var (name, p) in WeightMapping.Parameters(back))
                Assert.True(p.eq(original[name]).all().item<bool>(), name);
            Assert.Throws<ModelInputException>(() => CheckpointFromWeights.Write(net, root, 4, "test")); // never over a run's checkpoints
        }
        finally { Directory.Delete(root, recursive: true); }
    }
}
