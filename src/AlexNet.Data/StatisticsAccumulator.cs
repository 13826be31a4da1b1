using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AlexNet.Data;

/// <summary>
/// Streams the training set's mean image and RGB covariance. Every sum is of 8-bit integers in
/// integers, so it is exact and independent of order: per-worker accumulators merge into the same
/// result however the work was split or resumed, and the covariance comes from exact
/// n·Σxy − Σx·Σy (in 128 bits) with a single rounding at the end, with none of the cancellation of
/// a floating-point one-pass formula. Vectorised: it runs once per prepared image.
/// </summary>
public sealed class StatisticsAccumulator
{
    // Per-position sums in 32 bits until 2^24 images (255·2^24 < 2^32), then folded into 64 bits.
    private const int FoldEvery = 1 << 24;
    private readonly uint[] _recentSums; // HWC
    private readonly long[] _pixelSums;  // HWC
    private int _recentImages;
    private readonly long[] _moments = new long[9]; // Σr Σg Σb Σrr Σrg Σrb Σgg Σgb Σbb
    private readonly byte[] _planes;                // one row split into R, G, B

    public int Side { get; }
    public long ImageCount { get; private set; }

    public StatisticsAccumulator(int side)
    {
        if (side < 1) throw new ArgumentOutOfRangeException(nameof(side));
        Side = side;
        _recentSums = new uint[3 * side * side];
        _pixelSums = new long[3 * side * side];
        _planes = new byte[3 * side];
    }

    /// <summary>Adds one image (interleaved RGB, Side×Side).</summary>
    public void Add(ReadOnlySpan<byte> rgbHwc)
    {
        if (rgbHwc.Length != 3 * Side * Side) throw new ArgumentException($"expected {3 * Side * Side} bytes, got {rgbHwc.Length}");
        if (_recentImages == FoldEvery) Fold();
        AddPixels(rgbHwc, _recentSums);
        for (int y = 0; y < Side; y++)
        {
            var r = _planes.AsSpan(0, Side); var g = _planes.AsSpan(Side, Side); var b = _planes.AsSpan(2 * Side, Side);
            RgbRowSplitter.Split(rgbHwc.Slice(y * Side * 3, Side * 3), Side, false, r, g, b);
            AddMoments(r, g, b);
        }
        _recentImages++;
        ImageCount++;
    }

    private static void AddPixels(ReadOnlySpan<byte> rgb, uint[] sums)
    {
        int i = 0;
        ref byte src = ref MemoryMarshal.GetReference(rgb);
        ref uint dst = ref MemoryMarshal.GetArrayDataReference(sums);
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 32 <= rgb.Length; i += 32)
            {
                var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref src, (nuint)i));
                var (a, b) = Vector256.Widen(lo);
                var (c, d) = Vector256.Widen(hi);
                (Vector256.LoadUnsafe(ref dst, (nuint)i) + a).StoreUnsafe(ref dst, (nuint)i);
                (Vector256.LoadUnsafe(ref dst, (nuint)i + 8) + b).StoreUnsafe(ref dst, (nuint)i + 8);
                (Vector256.LoadUnsafe(ref dst, (nuint)i + 16) + c).StoreUnsafe(ref dst, (nuint)i + 16);
                (Vector256.LoadUnsafe(ref dst, (nuint)i + 24) + d).StoreUnsafe(ref dst, (nuint)i + 24);
            }
        }
        for (; i < rgb.Length; i++) sums[i] += rgb[i];
    }

    // One row's channel sums and products; pmaddwd adds two products per 32-bit lane.
    private void AddMoments(ReadOnlySpan<byte> r, ReadOnlySpan<byte> g, ReadOnlySpan<byte> b)
    {
        int x = 0, n = r.Length;
        if (Avx2.IsSupported)
        {
            Vector256<int> sr = default, sg = default, sb = default, rr = default, rg = default, rb = default, gg = default, gb = default, bb = default;
            var one = Vector256.Create((short)1);
            for (; x + 16 <= n; x += 16)
            {
                var r16 = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(r), (nuint)x));
                var g16 = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(g), (nuint)x));
                var b16 = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(b), (nuint)x));
                sr += Avx2.MultiplyAddAdjacent(r16, one); sg += Avx2.MultiplyAddAdjacent(g16, one); sb += Avx2.MultiplyAddAdjacent(b16, one);
                rr += Avx2.MultiplyAddAdjacent(r16, r16); rg += Avx2.MultiplyAddAdjacent(r16, g16); rb += Avx2.MultiplyAddAdjacent(r16, b16);
                gg += Avx2.MultiplyAddAdjacent(g16, g16); gb += Avx2.MultiplyAddAdjacent(g16, b16); bb += Avx2.MultiplyAddAdjacent(b16, b16);
            }
            // Each lane holds at most n/16 · 2 · 255² (< 2^31 for rows under 260,000 pixels).
            _moments[0] += Sum(sr); _moments[1] += Sum(sg); _moments[2] += Sum(sb);
            _moments[3] += Sum(rr); _moments[4] += Sum(rg); _moments[5] += Sum(rb);
            _moments[6] += Sum(gg); _moments[7] += Sum(gb); _moments[8] += Sum(bb);
        }
        for (; x < n; x++)
        {
            long vr = r[x], vg = g[x], vb = b[x];
            _moments[0] += vr; _moments[1] += vg; _moments[2] += vb;
            _moments[3] += vr * vr; _moments[4] += vr * vg; _moments[5] += vr * vb;
            _moments[6] += vg * vg; _moments[7] += vg * vb; _moments[8] += vb * vb;
        }
    }

    private static long Sum(Vector256<int> v)
    {
        long s = 0;
        for (int i = 0; i < Vector256<int>.Count; i++) s += v.GetElement(i);
        return s;
    }

    private void Fold()
    {
        for (int i = 0; i < _pixelSums.Length; i++) { _pixelSums[i] += _recentSums[i]; _recentSums[i] = 0; }
        _recentImages = 0;
    }

    public void Merge(StatisticsAccumulator other)
    {
        if (other.Side != Side) throw new ArgumentException("accumulators of different sides");
        Fold();
        other.Fold();
        for (int i = 0; i < _pixelSums.Length; i++) _pixelSums[i] += other._pixelSums[i];
        for (int i = 0; i < 9; i++) _moments[i] += other._moments[i];
        ImageCount += other.ImageCount;
    }

    /// <summary>The 3×3 covariance of RGB values on the 0..1 scale, row-major.</summary>
    public double[] Covariance()
    {
        if (ImageCount == 0) throw new InvalidOperationException("no images were added");
        Int128 n = (Int128)ImageCount * Side * Side;
        var cov = new double[9];
        int[] square = { 3, 4, 5, 4, 6, 7, 5, 7, 8 };
        for (int c = 0; c < 3; c++)
        for (int d = 0; d < 3; d++)
        {
            Int128 exact = n * _moments[square[c * 3 + d]] - (Int128)_moments[c] * _moments[d];
            cov[c * 3 + d] = (double)exact / ((double)n * (double)n) / (DatasetStatistics.PixelScale * DatasetStatistics.PixelScale);
        }
        return cov;
    }

    public DatasetStatistics ToStatistics()
    {
        Fold();
        var cov = Covariance();
        int plane = Side * Side;
        var mean = new float[3 * plane];
        for (int p = 0; p < plane; p++)
            for (int c = 0; c < 3; c++) mean[c * plane + p] = (float)((double)_pixelSums[3 * p + c] / ImageCount);
        var (values, vectors) = SymmetricEigen3.Decompose(cov);
        // A covariance has no negative eigenvalues; rounding can leave -1e-18 where the truth is 0.
        for (int i = 0; i < 3; i++) values[i] = Math.Max(0, values[i]);
        return new DatasetStatistics(Side, mean, values, vectors);
    }
}
