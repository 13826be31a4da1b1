using AlexNet.Actors.Training;

namespace AlexNet.Actors.Inference;

/// <summary>Errors of one pass over a labelled split: the centre crop, and the ten-view average when asked for.</summary>
/// <param name="CentreLoss">Mean cross-entropy of the centre crop's softmax.</param>
public sealed record EvaluationResult(int Images, TopKErrors Centre, double CentreLoss, TopKErrors? TenCrop, TimeSpan Elapsed)
{
    public double ImagesPerSecond => Images / Math.Max(1e-9, Elapsed.TotalSeconds);
}
