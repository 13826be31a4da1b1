namespace AlexNet.Data.Tests;

public class ResamplerTests
{
    [Fact]
    public void A_flat_image_stays_exactly_flat()
    {
        var rgb = new byte[500 * 375 * 3];
        for (int p = 0; p < 500 * 375; p++) { rgb[3 * p] = 200; rgb[3 * p + 1] = 17; rgb[3 * p + 2] = 99; }
        var square = new byte[64 * 64 * 3];
        CentreSquareResampler.Resample(rgb, 500, 375, 64, square);
        for (int p = 0; p < 64 * 64; p++) Assert.True(square[3 * p] == 200 && square[3 * p + 1] == 17 && square[3 * p + 2] == 99);
    }

    [Fact]
    public void At_scale_one_it_is_the_exact_centre_crop()
    {
        // 40×24, shorter side 24 = size: no scaling, columns 8..31 kept.
        var rgb = new byte[40 * 24 * 3];
        new Random(1).NextBytes(rgb);
        var square = new byte[24 * 24 * 3];
        CentreSquareResampler.Resample(rgb, 40, 24, 24, square);
        for (int y = 0; y < 24; y++)
            Assert.Equal(rgb.AsSpan((y * 40 + 8) * 3, 24 * 3).ToArray(), square.AsSpan(y * 24 * 3, 24 * 3).ToArray());
    }

    [Theory]
    [InlineData(500, 375, 256)]
    [InlineData(375, 500, 64)]
    [InlineData(28, 28, 72)]
    [InlineData(101, 67, 50)]
    public void It_matches_a_double_precision_triangle_filter(int width, int height, int size)
    {
        var rgb = new byte[width * height * 3];
        var rng = new Random(width);
        // Smooth content plus noise, so both the filter shape and the alignment matter.
        for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
        for (int c = 0; c < 3; c++)
            rgb[(y * width + x) * 3 + c] = (byte)Math.Clamp(128 + 100 * Math.Sin(x * 0.05 * (c + 1) + y * 0.03) + rng.Next(-20, 21), 0, 255);
        var square = new byte[size * size * 3];
        CentreSquareResampler.Resample(rgb, width, height, size, square);

        var (sw, sh) = CentreSquareResampler.ScaledSize(width, height, size);
        var wx = Weights(width, sw, (sw - size) / 2, size);
        var wy = Weights(height, sh, (sh - size) / 2, size);
        int worst = 0;
        for (int oy = 0; oy < size; oy++)
        for (int ox = 0; ox < size; ox++)
        for (int c = 0; c < 3; c++)
        {
            double v = 0;
            foreach (var (iy, a) in wy[oy])
            foreach (var (ix, b) in wx[ox]) v += a * b * rgb[(iy * width + ix) * 3 + c];
            worst = Math.Max(worst, Math.Abs((int)Math.Round(v) - square[(oy * size + ox) * 3 + c]));
        }
        Assert.True(worst <= 2, $"largest difference from the double-precision filter: {worst}");
    }

    // Triangle of radius max(1, in/out) input samples around each output centre, normalised.
    private static List<(int, double)>[] Weights(int inLength, int scaled, int offset, int count)
    {
        double ratio = (double)inLength / scaled, widen = Math.Max(1, ratio);
        return Enumerable.Range(0, count).Select(o =>
        {
            double centre = (o + offset + 0.5) * ratio;
            var w = Enumerable.Range(0, inLength).Select(i => (i, Math.Max(0, 1 - Math.Abs(i + 0.5 - centre) / widen))).Where(p => p.Item2 > 0).ToList();
            double total = w.Sum(p => p.Item2);
            return w.Select(p => (p.i, p.Item2 / total)).ToList();
        }).ToArray();
    }
}
