using static TorchSharp.torch;

namespace AlexNet.Actors.Training;

/// <summary>Counts of top-1 and top-5 misses for a batch of logits (top-5 becomes top-C when C &lt; 5).</summary>
public readonly record struct TopKErrors(int Count, int Top1Misses, int Top5Misses)
{
    public double Top1 => Count == 0 ? 0 : (double)Top1Misses / Count;
    public double Top5 => Count == 0 ? 0 : (double)Top5Misses / Count;

    public static TopKErrors Of(Tensor logitsOrProbabilities, Tensor labels)
    {
        using var scope = NewDisposeScope();
        int n = (int)labels.shape[0];
        int k = (int)Math.Min(5, logitsOrProbabilities.shape[1]);
        var (_, top) = logitsOrProbabilities.topk(k, dim: 1);
        var hits = top.eq(labels.unsqueeze(1));
        // Both counts in one read-back: on a GPU each read waits for the device.
        var counts = stack(new[] { hits.narrow(1, 0, 1).sum(), hits.any(1).sum() }).cpu().data<long>();
        return new TopKErrors(n, n - (int)counts[0], n - (int)counts[1]);
    }

    public static TopKErrors operator +(TopKErrors a, TopKErrors b) =>
        new(a.Count + b.Count, a.Top1Misses + b.Top1Misses, a.Top5Misses + b.Top5Misses);
}
