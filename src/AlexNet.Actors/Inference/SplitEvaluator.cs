using TorchSharp;
using System.Diagnostics;
using AlexNet.Actors.Training;
using AlexNet.Data;
using static TorchSharp.torch;

namespace AlexNet.Actors.Inference;

/// <summary>Top-1 and top-5 error of a network over a whole labelled split, batch by batch.</summary>
public static class SplitEvaluator
{
    /// <param name="progress">Images done so far, after each batch.</param>
    public static EvaluationResult Evaluate(ImageClassifier classifier, IImageDataset data, int batchSize, bool tenCrop, IProgress<int>? progress = null)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), "batch size must be at least 1");
        var clock = Stopwatch.StartNew();
        var centre = new TopKErrors();
        TopKErrors? ten = tenCrop ? new TopKErrors() : null;
        double lossSum = 0;
        for (int start = 0; start < data.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var samples = Enumerable.Range(start, Math.Min(batchSize, data.Count - start)).ToArray();
            Tensor centreProbabilities;
            if (tenCrop)
            {
                var views = classifier.TenViewProbabilities(data, samples);
                centreProbabilities = views[Array.IndexOf(BatchAssembler.TenViews, BatchView.CentreCrop)];
                var labelsForTen = Labels(data, samples, views.device);
                ten = ten!.Value + TopKErrors.Of(views.mean(new long[] { 0 }), labelsForTen);
            }
            else centreProbabilities = classifier.Probabilities(data, samples, BatchView.Centre);
            var labels = Labels(data, samples, centreProbabilities.device);
            centre += TopKErrors.Of(centreProbabilities, labels);
            // Cross-entropy from probabilities; the floor keeps a zero probability finite.
            using Scalar floor = 1e-30; // named: TorchSharp does not keep an implicit Scalar alive during the call
            lossSum -= centreProbabilities.gather(1, labels.unsqueeze(1)).clamp_min(floor).log().sum().item<float>();
            progress?.Report(start + samples.Length);
        }
        return new EvaluationResult(data.Count, centre, data.Count == 0 ? 0 : lossSum / data.Count, ten, clock.Elapsed);
    }

    private static Tensor Labels(IImageDataset data, int[] samples, Device device) =>
        tensor(samples.Select(i => (long)data.Label(i)).ToArray(), device: device);
}
