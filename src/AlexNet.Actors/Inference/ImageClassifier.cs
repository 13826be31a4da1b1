using AlexNet.Actors.Training;
using AlexNet.Data;
using AlexNet.Model;
using static TorchSharp.torch;

namespace AlexNet.Actors.Inference;

/// <summary>
/// Runs a network on fixed views of dataset images, prepared exactly as the trainer prepares
/// validation batches: the view's crop of the stored image, minus the same crop of the training
/// set's mean image, no lighting. Gives softmax probabilities, the paper's ten-view average, or
/// fc7 features. Every returned tensor is on the network's device and owned by the caller.
/// </summary>
public sealed class ImageClassifier : IDisposable
{
    private readonly ReferenceAlexNet _network;
    private readonly DatasetStatistics _statistics;
    private readonly InputNormalizer _normalizer;
    private readonly AugmentationSettings _views;

    public ImageClassifier(ReferenceAlexNet network, Device device, DatasetStatistics statistics)
    {
        _network = network;
        _statistics = statistics;
        _normalizer = new InputNormalizer(statistics, device);
        _views = new AugmentationSettings(Crop: network.Config.Crop, Flip: false, LightingStd: 0);
    }

    public AlexNetConfig Model => _network.Config;

    /// <summary>Softmax over classes of one view of each sample: [n, classes].</summary>
    public Tensor Probabilities(IImageDataset data, IReadOnlyList<int> samples, BatchView view)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var logits = _network.forward(Input(data, samples, view));
        return logits.softmax(1).MoveToOuterDisposeScope();
    }

    /// <summary>Softmax of each of the paper's ten views: [10, n, classes], in <see cref="BatchAssembler.TenViews"/> order.</summary>
    public Tensor TenViewProbabilities(IImageDataset data, IReadOnlyList<int> samples)
    {
        using var scope = NewDisposeScope();
        var views = BatchAssembler.TenViews.Select(v => Probabilities(data, samples, v)).ToArray();
        return stack(views, 0).MoveToOuterDisposeScope();
    }

    /// <summary>The paper's test-time prediction: the mean of the ten views' softmax, [n, classes].</summary>
    public Tensor TenCropProbabilities(IImageDataset data, IReadOnlyList<int> samples)
    {
        using var scope = NewDisposeScope();
        return TenViewProbabilities(data, samples).mean(new long[] { 0 }).MoveToOuterDisposeScope();
    }

    /// <summary>fc7 after ReLU (the feature space of the paper's Figure 4) of one view: [n, fc7 units].</summary>
    public Tensor Features(IImageDataset data, IReadOnlyList<int> samples, BatchView view = BatchView.Centre)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return _network.Features(Input(data, samples, view)).MoveToOuterDisposeScope();
    }

    private Tensor Input(IImageDataset data, IReadOnlyList<int> samples, BatchView view)
    {
        if (data.ImageSide != _statistics.Side)
            throw new ModelInputException($"images of {data.ImageSide}x{data.ImageSide} but a mean image of {_statistics.Side}x{_statistics.Side} (expected the statistics of the dataset the images come from)");
        // Fixed views draw nothing at random: the seed and epoch do not matter.
        var batch = new BatchAssembler(data, _statistics, _views, seed: 0).Assemble(0, 0, samples, view);
        return _normalizer.Normalize(batch);
    }

    public void Dispose() => _normalizer.Dispose();
}
