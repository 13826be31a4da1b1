using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AlexNet.Model;

/// <summary>
/// Loss scaling for fp16: the gradient entering the backward pass is multiplied by the scale
/// (<see cref="LossScaler.Scale"/>), so small gradients inside the fp16 layers stay above fp16's
/// underflow, and every fp32 gradient that comes out (parameters, a segment's input) is divided by
/// it. With a power-of-two scale both are exact in fp32. A scale that is too large makes fp16
/// gradients overflow to infinity: <see cref="UnscaleGradientsAndCheck"/> tells, and the step is
/// skipped (dynamic scale) or the run stops (static).
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

    /// <summary>
    /// Divides every parameter's gradient by <paramref name="scale"/> in place and says whether all of
    /// them are finite (one device synchronisation: a single boolean comes back).
    /// </summary>
    public static bool UnscaleGradientsAndCheck(IEnumerable<Parameter> parameters, double scale)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var sums = new List<Tensor>();
        foreach (var p in parameters)
        {
            if (p.grad is not { } g) continue;
            Unscale(g, scale);
            sums.Add(g.sum());
        }
        return sums.Count == 0 || stack(sums).isfinite().all().item<bool>();
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
