using TorchSharp;
using static TorchSharp.torch;

namespace AlexNet.Model;

/// <summary>
/// Local response normalisation exactly as the paper writes it:
///   b[c] = a[c] / (k + α · Σ_{j=max(0,c−n/2)}^{min(N−1,c+n/2)} a[j]²)^β,  k=2, n=5, α=1e-4, β=0.75.
/// PyTorch's and TorchSharp's local_response_norm use α/n instead of α; this does not.
/// With <c>groups</c> &gt; 1 the sum never crosses a group boundary: in the paper each GPU
/// normalises only its own maps, so the one-process reference normalises per tower.
/// </summary>
public static class PaperLrn
{
    public static Tensor Apply(Tensor x, int groups = 1, int size = AlexNetConfig.LrnSize,
        double alpha = AlexNetConfig.LrnAlpha, double beta = AlexNetConfig.LrnBeta, double k = AlexNetConfig.LrnK)
    {
        if (groups == 1) return ApplyOne(x, size, alpha, beta, k);
        using var scope = NewDisposeScope();
        var parts = x.chunk(groups, 1).Select(p => ApplyOne(p, size, alpha, beta, k)).ToArray();
        return cat(parts, 1).MoveToOuterDisposeScope();
    }

    private static Tensor ApplyOne(Tensor x, int size, double alpha, double beta, double k)
    {
        using var scope = NewDisposeScope();
        using Scalar alphaS = alpha, kS = k, betaS = beta; // held for the calls (see Scalars)
        // Sum of squares over a window of `size` channels centred on each channel, zero-padded, as
        // a 1x1 convolution with a fixed 0/1 band matrix: one GEMM forward and one backward. (An
        // average pool over a (size,1,1) window computes the same, but libtorch's CPU avg_pool3d is
        // scalar code - a quarter of a training step at width 0.25 - and summing shifted views
        // makes `size` padded copies in the backward pass.)
        var sq = x.mul(x); // not square(): TorchSharp implements it as pow(2), an implicit Scalar
        var band = Band(x.shape[1], size, x.dtype, x.device);
        var sum = nn.functional.conv2d(sq, band);
        var normBase = sum.mul(alphaS).add(kS, Scalars.One);
        // The paper's β = 3/4 as √b·√√b: two square roots (and their gradients) cost a fraction
        // of libtorch's powf, which was the costliest elementwise kernel of a training step.
        var denominator = beta == 0.75 ? PowThreeQuarters(normBase) : normBase.pow(betaS);
        return x.div(denominator).MoveToOuterDisposeScope();
    }

    private static Tensor PowThreeQuarters(Tensor b)
    {
        var root = b.sqrt();
        return root.mul(root.sqrt());
    }

    private static readonly Dictionary<(long Channels, int Size, ScalarType Type, string Device), Tensor> Bands = new();

    /// <summary>
    /// [C, C, 1, 1]: 1 where input channel j lies in output channel c's window. Made once per shape,
    /// type and device and kept for the process (a few KB), so a step does not rebuild it or wait
    /// for its copy to the GPU. Towers on several threads share the cache, hence the lock.
    /// </summary>
    private static Tensor Band(long channels, int size, ScalarType type, Device device)
    {
        var key = (channels, size, type, device.ToString());
        lock (Bands)
        {
            if (Bands.TryGetValue(key, out var cached)) return cached;
            var values = new float[channels * channels];
            for (long c = 0; c < channels; c++)
                for (long j = Math.Max(0, c - size / 2); j <= Math.Min(channels - 1, c - size / 2 + size - 1); j++)
                    values[c * channels + j] = 1f;
            using var cpu = tensor(values, new[] { channels, channels, 1L, 1L });
            var band = cpu.to(type, device).DetachFromDisposeScope();
            Bands[key] = band;
            return band;
        }
    }
}
