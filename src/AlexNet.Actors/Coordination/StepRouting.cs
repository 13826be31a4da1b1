using AlexNet.Model;
using static TorchSharp.torch;

namespace AlexNet.Actors.Coordination;

/// <summary>
/// The coordinator's tensor work at a cross layer: gather the towers' slices side by side, and
/// on the way back sum the towers' input gradients and cut the sum into the towers' slices.
/// Every tensor passed in is consumed; every tensor returned belongs to the caller.
/// </summary>
public static class StepRouting
{
    /// <summary>Concatenates the towers' outputs (index order) along dim 1 on <paramref name="device"/>.</summary>
    public static Tensor Gather(Tensor[] slices, Device device)
    {
        using var scope = NewDisposeScope();
        foreach (var s in slices) scope.Attach(s);
        var onDevice = slices.Select(s => s.device == device ? s : s.to(device)).ToArray();
        return cat(onDevice, 1).MoveToOuterDisposeScope();
    }

    /// <summary>Σ over towers of ∂L/∂input, summed into the first tensor's storage (the towers hand these over).</summary>
    public static Tensor Sum(Tensor[] gradients, Device device)
    {
        using var scope = NewDisposeScope();
        foreach (var g in gradients) scope.Attach(g);
        var total = gradients[0].device == device ? gradients[0] : gradients[0].to(device);
        for (int t = 1; t < gradients.Length; t++)
            total.AddInPlace(gradients[t].device == device ? gradients[t] : gradients[t].to(device));
        return total.MoveToOuterDisposeScope();
    }

    /// <summary>Views of <paramref name="full"/>'s columns, one per tower, of the given widths (full stays the caller's).</summary>
    public static Tensor[] Slice(Tensor full, IReadOnlyList<long> widths)
    {
        var slices = new Tensor[widths.Count];
        long offset = 0;
        for (int t = 0; t < widths.Count; t++)
        {
            slices[t] = full.narrow(1, offset, widths[t]).DetachFromDisposeScope();
            offset += widths[t];
        }
        return slices;
    }
}
