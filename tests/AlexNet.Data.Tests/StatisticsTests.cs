namespace AlexNet.Data.Tests;

public class StatisticsTests
{
    private static List<byte[]> RandomImages(int count, int side, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var b = new byte[side * side * 3];
            // Correlated channels, as in photographs: a shared brightness plus per-channel noise.
            for (int p = 0; p < side * side; p++)
            {
                int light = rng.Next(256);
                b[3 * p] = (byte)Math.Clamp(light + rng.Next(-20, 21), 0, 255);
                b[3 * p + 1] = (byte)Math.Clamp(light * 3 / 4 + rng.Next(-40, 41), 0, 255);
                b[3 * p + 2] = (byte)rng.Next(256);
            }
            return b;
        }).ToList();
    }

    [Fact]
    public void Mean_and_covariance_equal_a_direct_two_pass_computation()
    {
        const int side = 21; // rows of 16 vectorised pixels and a scalar tail of 5
        var images = RandomImages(25, side, 1);
        var acc = new StatisticsAccumulator(side);
        images.ForEach(i => acc.Add(i));
        var stats = acc.ToStatistics();

        int plane = side * side;
        for (int c = 0; c < 3; c++)
        for (int p = 0; p < plane; p++)
        {
            double mean = images.Average(img => (double)img[3 * p + c]);
            Assert.Equal((float)mean, stats.MeanImage[c * plane + p]);
        }
        // Two passes: channel means, then centred products, on the 0..1 scale.
        var pixels = images.SelectMany(img => Enumerable.Range(0, plane).Select(p => new[] { img[3 * p] / 255.0, img[3 * p + 1] / 255.0, img[3 * p + 2] / 255.0 })).ToList();
        var mu = Enumerable.Range(0, 3).Select(c => pixels.Average(x => x[c])).ToArray();
        var cov = acc.Covariance();
        for (int c = 0; c < 3; c++)
        for (int d = 0; d < 3; d++)
        {
            double direct = pixels.Sum(x => (x[c] - mu[c]) * (x[d] - mu[d])) / pixels.Count;
            Assert.Equal(direct, cov[c * 3 + d], tolerance: 1e-12);
        }
        // And the eigen-decomposition is of that matrix: C·p_i = λ_i·p_i, trace preserved, sorted.
        for (int i = 0; i < 3; i++)
        for (int r = 0; r < 3; r++)
        {
            double cp = Enumerable.Range(0, 3).Sum(k => cov[r * 3 + k] * stats.Eigenvectors[k * 3 + i]);
            Assert.Equal(stats.Eigenvalues[i] * stats.Eigenvectors[r * 3 + i], cp, tolerance: 1e-12);
        }
        Assert.Equal(cov[0] + cov[4] + cov[8], stats.Eigenvalues.Sum(), tolerance: 1e-12);
        Assert.True(stats.Eigenvalues[0] >= stats.Eigenvalues[1] && stats.Eigenvalues[1] >= stats.Eigenvalues[2]);
    }

    [Fact]
    public void Accumulators_merged_in_any_split_give_bit_identical_statistics()
    {
        var images = RandomImages(12, 19, 2);
        var whole = new StatisticsAccumulator(19);
        images.ForEach(i => whole.Add(i));
        var a = new StatisticsAccumulator(19); var b = new StatisticsAccumulator(19);
        for (int i = images.Count - 1; i >= 0; i--) (i % 3 == 0 ? a : b).Add(images[i]);
        b.Merge(a);
        var s1 = whole.ToStatistics(); var s2 = b.ToStatistics();
        Assert.Equal(s1.MeanImage, s2.MeanImage);
        Assert.Equal(s1.Eigenvalues, s2.Eigenvalues);
        Assert.Equal(s1.Eigenvectors, s2.Eigenvectors);
        Assert.Equal(12, b.ImageCount);
    }

    [Fact]
    public void Jacobi_finds_orthonormal_eigenvectors_of_random_symmetric_matrices()
    {
        var rng = new Random(4);
        for (int trial = 0; trial < 200; trial++)
        {
            var m = new double[9];
            for (int r = 0; r < 3; r++) for (int c = r; c < 3; c++) m[r * 3 + c] = m[c * 3 + r] = rng.NextDouble() * 2 - 1;
            var (values, vectors) = SymmetricEigen3.Decompose(m);
            for (int i = 0; i < 3; i++)
            {
                for (int r = 0; r < 3; r++)
                    Assert.Equal(values[i] * vectors[r * 3 + i], Enumerable.Range(0, 3).Sum(k => m[r * 3 + k] * vectors[k * 3 + i]), tolerance: 1e-12);
                for (int j = 0; j < 3; j++)
                    Assert.Equal(i == j ? 1.0 : 0.0, Enumerable.Range(0, 3).Sum(k => vectors[k * 3 + i] * vectors[k * 3 + j]), tolerance: 1e-12);
            }
            Assert.True(values[0] >= values[1] && values[1] >= values[2]);
        }
    }

    [Fact]
    public void Jacobi_handles_diagonal_and_repeated_eigenvalues()
    {
        var (values, vectors) = SymmetricEigen3.Decompose(new double[] { 1, 0, 0, 0, 3, 0, 0, 0, 2 });
        Assert.Equal(new[] { 3.0, 2.0, 1.0 }, values);
        Assert.Equal(new double[] { 0, 0, 1, 1, 0, 0, 0, 1, 0 }, vectors);
        // Gray images: covariance of rank one along (1,1,1)/√3.
        var (v2, e2) = SymmetricEigen3.Decompose(new double[] { 2, 2, 2, 2, 2, 2, 2, 2, 2 });
        Assert.Equal(6, v2[0], tolerance: 1e-12);
        Assert.Equal(0, v2[1], tolerance: 1e-12);
        for (int r = 0; r < 3; r++) Assert.Equal(1 / Math.Sqrt(3), e2[r * 3], tolerance: 1e-12);
    }

    [Fact]
    public void Statistics_file_round_trips_and_refuses_a_damaged_copy()
    {
        using var dir = new TempFolder();
        var acc = new StatisticsAccumulator(4);
        RandomImages(3, 4, 5).ForEach(i => acc.Add(i));
        var stats = acc.ToStatistics();
        string path = dir["statistics.bin"];
        StatisticsFile.Save(path, stats, acc.ImageCount);
        var back = StatisticsFile.Load(path, out long count);
        Assert.Equal(3, count);
        Assert.Equal(stats.Side, back.Side);
        Assert.Equal(stats.MeanImage, back.MeanImage);
        Assert.Equal(stats.Eigenvalues, back.Eigenvalues);
        Assert.Equal(stats.Eigenvectors, back.Eigenvectors);
        var bytes = File.ReadAllBytes(path);
        bytes[100] ^= 1;
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<DataFormatException>(() => StatisticsFile.Load(path));
        Assert.Contains(path, e.Message);
    }
}
