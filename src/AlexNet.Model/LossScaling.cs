using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AlexNet.Model;

/// <summary>
/// Static loss scaling for fp16 (<see cref="ComputeOptions.LossScale"/>): the gradient entering the
/// backward pass is multiplied by the scale, so small gradients inside the fp16 layers stay above
/// fp16's underflow, and every fp32 gradient that comes out (parameters, a segment's input) is
/// divided by it. With a power-of-two scale both are exact in fp32. A scale that is too large makes
/// fp16 gradients overflow to infinity, which turns the weights and then the loss non-finite: the
/// run then stops as diverged; lower the scale.
/// </summary>
public static class LossScaling
{
    /// <summary><paramref name="gradient"/> × <paramref name="scale"/> (a new tensor); the gradient itself when the scale is 1.</summary>
    public static Tensor Scale(Tensor gradient, double scale)
    {
        if (scale == 1) return gradient.alias();
        using Scalar s = scale;
        return gradient.mul(s);
    }

    /// <summary>Divides <paramref name="gradient"/> by <paramref name="scale"/> in place.</summary>
    public static void Unscale(Tensor gradient, double scale)
    {
        if (scale == 1) return;
        using var scope = NewDisposeScope(); // in case an in-place call hands back a new wrapper (zero_ does; mul_ returns the same object)
        using var noGrad = no_grad();
        using Scalar inverse = 1.0 / scale;
        gradient.mul_(inverse);
    }

    /// <summary>Divides the accumulated gradient of every parameter by <paramref name="scale"/>, in place.</summary>
    public static void UnscaleGradients(IEnumerable<Parameter> parameters, double scale)
    {
        if (scale == 1) return;
        foreach (var p in parameters)
        {
            using var g = p.grad;
            if (g is not null) Unscale(g, scale);
        }
    }
}
