using AlexNet.Model;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace AlexNet.Model.Tests;

public class PaperLrnTests
{
    /// <summary>b[c] = a[c] / (k + α Σ_{j=max(0,c−2)}^{min(N−1,c+2)} a[j]²)^β, written out element by element.</summary>
    private static float[,,,] ByTheFormula(float[,,,] a, int groups = 1)
    {
        int n = a.GetLength(0), channels = a.GetLength(1), h = a.GetLength(2), w = a.GetLength(3);
        int per = channels / groups;
        var b = new float[n, channels, h, w];
        for (int i = 0; i < n; i++)
        for (int c = 0; c < channels; c++)
        for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
        {
            int g0 = c / per * per, g1 = g0 + per - 1;
            double sum = 0;
            for (int j = Math.Max(g0, c - 2); j <= Math.Min(g1, c + 2); j++) sum += (double)a[i, j, y, x] * a[i, j, y, x];
            b[i, c, y, x] = (float)(a[i, c, y, x] / Math.Pow(2.0 + 1e-4 * sum, 0.75));
        }
        return b;
    }

    private static float[,,,] Random(int seed, int n, int c, int h, int w, float scale)
    {
        var rng = new Random(seed);
        var a = new float[n, c, h, w];
        for (int i = 0; i < n; i++) for (int j = 0; j < c; j++) for (int y = 0; y < h; y++) for (int x = 0; x < w; x++)
            a[i, j, y, x] = (float)((rng.NextDouble() * 2 - 1) * scale);
        return a;
    }

    private static void AssertClose(float[,,,] expected, Tensor actual, double tol)
    {
        var got = actual.data<float>().ToArray();
        var want = expected.Cast<float>().ToArray();
        Assert.Equal(want.Length, got.Length);
        for (int i = 0; i < want.Length; i++)
            Assert.True(Math.Abs(want[i] - got[i]) <= tol * Math.Max(1, Math.Abs(want[i])), $"element {i}: {want[i]} vs {got[i]}");
    }

    [Theory]
    [InlineData(1.0f)]
    [InlineData(100.0f)] // large activations, where α's scale matters
    public void Matches_the_papers_formula(float scale)
    {
        var a = Random(7, 2, 11, 3, 4, scale);
        using var x = tensor(a.Cast<float>().ToArray(), new long[] { 2, 11, 3, 4 });
        using var y = PaperLrn.Apply(x);
        AssertClose(ByTheFormula(a), y, 1e-5);
    }

    [Fact]
    public void Per_group_normalisation_never_crosses_the_tower_boundary()
    {
        var a = Random(3, 2, 8, 2, 2, 50f);
        using var x = tensor(a.Cast<float>().ToArray(), new long[] { 2, 8, 2, 2 });
        using var grouped = PaperLrn.Apply(x, groups: 2);
        AssertClose(ByTheFormula(a, groups: 2), grouped, 1e-5);
        using var whole = PaperLrn.Apply(x);
        Assert.False(grouped.allclose(whole)); // channels 2..5 see the other group's maps when ungrouped
    }

    [Fact]
    public void TorchSharps_LRN_equals_the_paper_only_with_alpha_times_n()
    {
        using var x = randn(2, 16, 5, 5).mul(60);
        using var paper = PaperLrn.Apply(x);
        using var torchScaled = nn.functional.local_response_norm(x, 5, alpha: 1e-4 * 5, beta: 0.75, k: 2.0);
        using var torchAsWritten = nn.functional.local_response_norm(x, 5, alpha: 1e-4, beta: 0.75, k: 2.0);
        Assert.True(paper.allclose(torchScaled, rtol: 1e-5, atol: 1e-6));
        Assert.False(paper.allclose(torchAsWritten, rtol: 1e-5, atol: 1e-6));
    }
}
