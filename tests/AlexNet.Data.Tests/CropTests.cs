namespace AlexNet.Data.Tests;

public class CropTests
{
    private static byte[] RandomBytes(int n, int seed)
    {
        var b = new byte[n];
        new Random(seed).NextBytes(b);
        return b;
    }

    // The obvious loop, kept here as the definition the SIMD path must match.
    private static byte[] ReferenceCrop(byte[] hwc, int side, CropBox box, int crop)
    {
        var chw = new byte[3 * crop * crop];
        for (int c = 0; c < 3; c++)
        for (int y = 0; y < crop; y++)
        for (int x = 0; x < crop; x++)
        {
            int sx = box.X + (box.Flipped ? crop - 1 - x : x);
            chw[c * crop * crop + y * crop + x] = hwc[((box.Y + y) * side + sx) * 3 + c];
        }
        return chw;
    }

    [Fact]
    public void Row_splitter_matches_the_scalar_definition_for_every_length_and_direction()
    {
        var rgb = RandomBytes(3 * 100, 1);
        for (int count = 1; count <= 100; count++)
        foreach (bool mirrored in new[] { false, true })
        {
            var r = new byte[count]; var g = new byte[count]; var b = new byte[count];
            RgbRowSplitter.Split(rgb, count, mirrored, r, g, b);
            for (int x = 0; x < count; x++)
            {
                int p = (mirrored ? count - 1 - x : x) * 3;
                Assert.True(r[x] == rgb[p] && g[x] == rgb[p + 1] && b[x] == rgb[p + 2], $"count {count}, mirrored {mirrored}, x {x}");
            }
        }
    }

    [Theory]
    [InlineData(256, 224)]
    [InlineData(72, 64)]
    [InlineData(37, 21)]
    public void Crop_to_chw_matches_the_reference_at_random_boxes(int side, int crop)
    {
        var hwc = RandomBytes(side * side * 3, side);
        var rng = new Random(crop);
        for (int trial = 0; trial < 20; trial++)
        {
            var box = new CropBox(rng.Next(side - crop + 1), rng.Next(side - crop + 1), rng.Next(2) == 1);
            var chw = new byte[3 * crop * crop];
            BatchAssembler.CropToChw(hwc, side, box, crop, chw);
            Assert.Equal(ReferenceCrop(hwc, side, box, crop), chw);
        }
    }

    [Fact]
    public void Flipping_twice_is_the_identity()
    {
        const int side = 48;
        var hwc = RandomBytes(side * side * 3, 7);
        var once = new byte[3 * side * side];
        BatchAssembler.CropToChw(hwc, side, new CropBox(0, 0, true), side, once);
        // Back to HWC, then mirror again.
        var mirrored = new byte[hwc.Length];
        for (int c = 0; c < 3; c++)
        for (int p = 0; p < side * side; p++) mirrored[p * 3 + c] = once[c * side * side + p];
        var twice = new byte[3 * side * side];
        BatchAssembler.CropToChw(mirrored, side, new CropBox(0, 0, true), side, twice);
        var plain = new byte[3 * side * side];
        BatchAssembler.CropToChw(hwc, side, new CropBox(0, 0, false), side, plain);
        Assert.Equal(plain, twice);
        Assert.NotEqual(plain, once);
    }

    [Fact]
    public void A_box_outside_the_image_is_refused()
    {
        var hwc = new byte[32 * 32 * 3];
        var chw = new byte[3 * 24 * 24];
        Assert.Throws<ArgumentOutOfRangeException>(() => BatchAssembler.CropToChw(hwc, 32, new CropBox(9, 0, false), 24, chw));
        Assert.Throws<ArgumentOutOfRangeException>(() => BatchAssembler.CropToChw(hwc, 32, new CropBox(0, -1, false), 24, chw));
    }
}
