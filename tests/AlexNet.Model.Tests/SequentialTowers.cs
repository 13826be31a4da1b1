using AlexNet.Model;
using static TorchSharp.torch;

namespace AlexNet.Model.Tests;

/// <summary>
/// The coordinator's routing, done in one thread with plain calls: gather the towers' outputs at
/// every cross layer, hand the full tensor to every tower, sum the towers' input gradients on the
/// way back and return each its slice. The test oracle for the towers ≡ reference property.
/// A <c>lossScale</c> other than 1 scales each segment's backward as TowerActor does for fp16.
/// </summary>
internal static class SequentialTowers
{
    public static (float Loss, Tensor Logits) ForwardBackward(Tower[] towers, Tensor images, Tensor labels, DropoutMasks? masks, double lossScale = 1)
    {
        int k = towers.Length;
        var outputs = new Tensor[Segments.All.Length][];
        var inputs = new Tensor?[Segments.All.Length][];
        var owned = new List<Tensor>();
        Tensor full = images;
        foreach (var seg in Segments.All)
        {
            int s = (int)seg;
            outputs[s] = new Tensor[k];
            inputs[s] = new Tensor?[k];
            for (int t = 0; t < k; t++)
            {
                Tensor? leaf = seg == Segment.Stem ? null : full.detach().requires_grad_(true);
                if (leaf is not null) owned.Add(leaf);
                inputs[s][t] = leaf;
                var mask = seg.HasDropout() && masks is not null
                    ? masks.ForTower(seg, t, images.shape[0], towers[t].Config.PerTower(seg == Segment.Fc6 ? towers[t].Config.Fc6Units : towers[t].Config.Fc7Units), images.device)
                    : null;
                if (mask is not null) owned.Add(mask);
                outputs[s][t] = towers[t].Forward(seg, leaf ?? images, mask);
                owned.Add(outputs[s][t]);
            }
            full = cat(outputs[s].Select(o => o.detach()).ToArray(), 1);
            owned.Add(full);
        }
        using var logits = full.detach().requires_grad_(true);
        using var loss = nn.functional.cross_entropy(logits, labels);
        loss.backward();
        Tensor grad = logits.grad!;
        for (int s = Segments.All.Length - 1; s >= 0; s--)
        {
            long offset = 0;
            Tensor? inputGradSum = null;
            for (int t = 0; t < k; t++)
            {
                long width = outputs[s][t].shape[1];
                using var slice = grad.narrow(1, offset, width);
                offset += width;
                using var scaled = LossScaling.Scale(slice, lossScale);
                outputs[s][t].backward(new[] { scaled });
                if (inputs[s][t] is { } leaf)
                {
                    var g = leaf.grad!;
                    LossScaling.Unscale(g, lossScale);
                    inputGradSum = inputGradSum is null ? g.clone() : inputGradSum.add_(g);
                }
            }
            if (inputGradSum is not null) owned.Add(inputGradSum);
            grad = inputGradSum!;
        }
        foreach (var tower in towers) LossScaling.UnscaleGradients(tower.parameters(), lossScale);
        var result = (loss.item<float>(), logits.detach().clone());
        foreach (var t in owned) t.Dispose();
        return result;
    }
}
