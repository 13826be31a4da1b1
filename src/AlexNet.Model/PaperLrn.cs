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
        using Scalar sizeS = size, alphaS = alpha, kS = k, betaS = beta; // held for the calls (see Scalars)
        // Sum of squares over a window of `size` channels centred on each channel, zero-padded:
        // average-pool over a (size,1,1) window of the [B,1,C,H,W] view, times size.
        var sq = x.mul(x).unsqueeze(1); // not square(): TorchSharp implements it as pow(2), an implicit Scalar
        var padded = nn.functional.pad(sq, new long[] { 0, 0, 0, 0, size / 2, (size - 1) / 2 });
        var sum = nn.functional.avg_pool3d(padded, new long[] { size, 1, 1 }, new long[] { 1, 1, 1 }).squeeze(1).mul(sizeS);
        var denominator = sum.mul(alphaS).add(kS, Scalars.One).pow(betaS);
        return x.div(denominator).MoveToOuterDisposeScope();
    }
}
