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
        // Sum of squares over a window of `size` channels centred on each channel, zero-padded:
        // the sum of `size` shifted views of the channel-padded squares. (An average pool over a
        // (size,1,1) window computes the same but libtorch's CPU avg_pool3d is scalar code: it was
        // a quarter of a whole training step at width 0.25.)
        var sq = x.mul(x); // not square(): TorchSharp implements it as pow(2), an implicit Scalar
        var channels = x.shape[1];
        var padded = nn.functional.pad(sq, new long[] { 0, 0, 0, 0, size / 2, (size - 1) / 2 });
        var sum = padded.narrow(1, 0, channels);
        for (var offset = 1; offset < size; offset++)
            sum = sum.add(padded.narrow(1, offset, channels), Scalars.One);
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
}
