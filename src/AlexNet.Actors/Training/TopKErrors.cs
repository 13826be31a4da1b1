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
        int top1 = n - (int)hits.narrow(1, 0, 1).sum().item<long>();
        int top5 = n - (int)hits.any(1).sum().item<long>();
        return new TopKErrors(n, top1, top5);
    }

    public static TopKErrors operator +(TopKErrors a, TopKErrors b) =>
        new(a.Count + b.Count, a.Top1Misses + b.Top1Misses, a.Top5Misses + b.Top5Misses);
}
