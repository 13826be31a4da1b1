namespace AlexNet.Data;

/// <summary>
/// Streams the training set's mean image and RGB covariance. Every sum is of 8-bit integers in
/// 64-bit integers, so it is exact and independent of order: per-worker accumulators merge into
/// the same result however the work was split or resumed, and the covariance comes from exact
/// n·Σxy − Σx·Σy (in 128 bits) with a single rounding at the end, with none of the cancellation
/// of a floating-point one-pass formula.
/// </summary>
public sealed class StatisticsAccumulator
{
    private readonly long[] _pixelSums; // CHW, per position
    private readonly long[] _moments = new long[9]; // Σr Σg Σb Σrr Σrg Σrb Σgg Σgb Σbb

    public int Side { get; }
    public long ImageCount { get; private set; }

    public StatisticsAccumulator(int side)
    {
        if (side < 1) throw new ArgumentOutOfRangeException(nameof(side));
        Side = side;
        _pixelSums = new long[3 * side * side];
    }

    /// <summary>Adds one image (interleaved RGB, Side×Side).</summary>
    public void Add(ReadOnlySpan<byte> rgbHwc)
    {
        int plane = Side * Side;
        if (rgbHwc.Length != plane * 3) throw new ArgumentException($"expected {plane * 3} bytes, got {rgbHwc.Length}");
        var sums = _pixelSums.AsSpan();
        long sr = 0, sg = 0, sb = 0, rr = 0, rg = 0, rb = 0, gg = 0, gb = 0, bb = 0;
        for (int p = 0; p < plane; p++)
        {
            int r = rgbHwc[3 * p], g = rgbHwc[3 * p + 1], b = rgbHwc[3 * p + 2];
            sums[p] += r; sums[plane + p] += g; sums[2 * plane + p] += b;
            sr += r; sg += g; sb += b;
            // Per pixel at most 3·255² fits an int; the running sums are long.
            rr += r * r; rg += r * g; rb += r * b; gg += g * g; gb += g * b; bb += b * b;
        }
        _moments[0] += sr; _moments[1] += sg; _moments[2] += sb;
        _moments[3] += rr; _moments[4] += rg; _moments[5] += rb;
        _moments[6] += gg; _moments[7] += gb; _moments[8] += bb;
        ImageCount++;
    }

    public void Merge(StatisticsAccumulator other)
    {
        if (other.Side != Side) throw new ArgumentException("accumulators of different sides");
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
        var cov = Covariance();
        var mean = new float[_pixelSums.Length];
        for (int i = 0; i < mean.Length; i++) mean[i] = (float)((double)_pixelSums[i] / ImageCount);
        var (values, vectors) = SymmetricEigen3.Decompose(cov);
        // A covariance has no negative eigenvalues; rounding can leave -1e-18 where the truth is 0.
        for (int i = 0; i < 3; i++) values[i] = Math.Max(0, values[i]);
        return new DatasetStatistics(Side, mean, values, vectors);
    }
}
