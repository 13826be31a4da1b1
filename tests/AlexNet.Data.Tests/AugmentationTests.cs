namespace AlexNet.Data.Tests;

public class AugmentationTests
{
    private static DatasetStatistics RandomStatistics(int side, int seed)
    {
        // A random orthonormal basis (Gram–Schmidt) and positive eigenvalues.
        var rng = new Random(seed);
        var v = new double[3][];
        for (int i = 0; i < 3; i++)
        {
            var a = Enumerable.Range(0, 3).Select(_ => rng.NextDouble() - 0.5).ToArray();
            for (int j = 0; j < i; j++)
            {
                double d = a.Zip(v[j], (x, y) => x * y).Sum();
                for (int k = 0; k < 3; k++) a[k] -= d * v[j][k];
            }
            double n = Math.Sqrt(a.Sum(x => x * x));
            v[i] = a.Select(x => x / n).ToArray();
        }
        var vectors = new double[9];
        for (int r = 0; r < 3; r++) for (int i = 0; i < 3; i++) vectors[r * 3 + i] = v[i][r];
        var mean = Enumerable.Range(0, 3 * side * side).Select(i => (float)(i % 251)).ToArray();
        return new DatasetStatistics(side, mean, new[] { 0.2, 0.02, 0.004 }, vectors);
    }

    [Fact]
    public void Lighting_offset_is_the_sum_of_p_i_alpha_i_lambda_i_in_pixel_units()
    {
        var s = RandomStatistics(8, 3);
        double[] alpha = { 0.13, -0.07, 0.21 };
        var offset = s.LightingOffset(alpha);
        for (int c = 0; c < 3; c++)
        {
            double expected = 0;
            for (int i = 0; i < 3; i++) expected += s.Eigenvectors[c * 3 + i] * alpha[i] * s.Eigenvalues[i];
            Assert.Equal((float)(expected * 255), offset[c]);
        }
        // Projected back on the eigenvectors, the offset is α_i·λ_i for each i.
        for (int i = 0; i < 3; i++)
        {
            double along = Enumerable.Range(0, 3).Sum(c => s.Eigenvectors[c * 3 + i] * offset[c]) / 255;
            Assert.Equal(alpha[i] * s.Eigenvalues[i], along, tolerance: 1e-6);
        }
    }

    [Fact]
    public void Train_crops_stay_in_bounds_reach_every_position_and_flip_half_the_time()
    {
        var assembler = new BatchAssembler(new SyntheticDataset(8, 2, 40), DatasetStatistics.Neutral(40), new AugmentationSettings(Crop: 32), seed: 5);
        var xs = new HashSet<int>(); var ys = new HashSet<int>();
        int flipped = 0, draws = 4000;
        for (int i = 0; i < draws; i++)
        {
            var box = assembler.Box(BatchView.Train, 40, 32, new SeededRandom(5, 0, i, 0xA06));
            Assert.InRange(box.X, 0, 8);
            Assert.InRange(box.Y, 0, 8);
            xs.Add(box.X); ys.Add(box.Y);
            if (box.Flipped) flipped++;
        }
        Assert.Equal(9, xs.Count); // every offset, so the corners and edges of the image are all covered
        Assert.Equal(9, ys.Count);
        Assert.InRange(flipped, draws * 0.45, draws * 0.55);
    }

    [Fact]
    public void Paper_sized_crops_reach_both_ends_of_the_range()
    {
        var assembler = new BatchAssembler(new SyntheticDataset(8, 2, 256), DatasetStatistics.Neutral(256), new AugmentationSettings(), seed: 9);
        var boxes = Enumerable.Range(0, 3000).Select(i => assembler.Box(BatchView.Train, 256, 224, new SeededRandom(9, 1, i, 0xA06))).ToList();
        Assert.All(boxes, b => Assert.True(b.X is >= 0 and <= 32 && b.Y is >= 0 and <= 32));
        Assert.Equal(0, boxes.Min(b => b.X)); Assert.Equal(32, boxes.Max(b => b.X));
        Assert.Equal(0, boxes.Min(b => b.Y)); Assert.Equal(32, boxes.Max(b => b.Y));
    }

    [Fact]
    public void The_ten_test_views_are_the_corners_and_centre_plain_and_mirrored()
    {
        var assembler = new BatchAssembler(new SyntheticDataset(8, 2, 40), DatasetStatistics.Neutral(40), new AugmentationSettings(Crop: 32), seed: 1);
        var boxes = BatchAssembler.TenViews.Select(v => assembler.Box(v, 40, 32, default)).ToList();
        var expected = new[] { (0, 0), (8, 0), (0, 8), (8, 8), (4, 4) };
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(new CropBox(expected[i].Item1, expected[i].Item2, false), boxes[i]);
            Assert.Equal(new CropBox(expected[i].Item1, expected[i].Item2, true), boxes[i + 5]);
        }
        Assert.Equal(new CropBox(4, 4, false), assembler.Box(BatchView.Centre, 40, 32, default));
    }

    [Fact]
    public void Same_seed_gives_the_same_batch_and_another_seed_another()
    {
        var data = new SyntheticDataset(64, 4, 40);
        var stats = RandomStatistics(40, 1);
        var settings = new AugmentationSettings(Crop: 32);
        int[] samples = { 3, 17, 17, 60, 0 };
        var a = new BatchAssembler(data, stats, settings, 11).Assemble(2, 5, samples, BatchView.Train);
        var b = new BatchAssembler(data, stats, settings, 11).Assemble(2, 5, samples, BatchView.Train);
        var c = new BatchAssembler(data, stats, settings, 12).Assemble(2, 5, samples, BatchView.Train);
        var d = new BatchAssembler(data, stats, settings, 11).Assemble(3, 5, samples, BatchView.Train);
        Assert.Equal(a.Pixels, b.Pixels);
        Assert.Equal(a.Lighting, b.Lighting);
        Assert.Equal(a.Crops, b.Crops);
        Assert.NotEqual(a.Crops, c.Crops);
        Assert.NotEqual(a.Lighting, c.Lighting);
        Assert.NotEqual(a.Lighting, d.Lighting); // a new epoch redraws the augmentation
        Assert.Equal(samples, a.SampleIndices);
        Assert.Equal(samples.Select(data.Label), a.Labels);
        Assert.Contains(a.Lighting, v => v != 0);
    }

    [Fact]
    public void Batch_pixels_are_the_crops_of_the_stored_images_and_evaluation_views_have_no_lighting()
    {
        var data = new SyntheticDataset(16, 3, 40);
        var assembler = new BatchAssembler(data, RandomStatistics(40, 2), new AugmentationSettings(Crop: 32), 4);
        int[] samples = { 1, 5, 9 };
        var buffer = new byte[samples.Length * 3 * 32 * 32];
        foreach (var view in new[] { BatchView.Train, BatchView.Centre, BatchView.TopRightFlipped })
        {
            var batch = assembler.Assemble(0, 0, samples, view, buffer);
            Assert.Same(buffer, batch.Pixels);
            for (int i = 0; i < samples.Length; i++)
            {
                var hwc = new byte[40 * 40 * 3];
                data.ReadPixels(samples[i], hwc);
                var expected = new byte[3 * 32 * 32];
                BatchAssembler.CropToChw(hwc, 40, batch.Crops[i], 32, expected);
                Assert.Equal(expected, batch.Pixels.AsSpan(i * expected.Length, expected.Length).ToArray());
            }
            if (view != BatchView.Train) Assert.All(batch.Lighting, v => Assert.Equal(0f, v));
        }
    }

    [Fact]
    public void Epoch_plan_batches_cover_the_epoch_once_and_depend_on_the_seed()
    {
        var plan = new EpochPlan(seed: 3, datasetCount: 100, batchSize: 10);
        var all = Enumerable.Range(0, plan.BatchesPerEpoch).SelectMany(b => plan.Batch(0, b)).ToList();
        Assert.Equal(Enumerable.Range(0, 100), all.Order());
        Assert.NotEqual(plan.Batch(0, 0), plan.Batch(1, 0));
        Assert.NotEqual(plan.Batch(0, 0), new EpochPlan(4, 100, 10).Batch(0, 0));
        Assert.Equal(plan.Batch(2, 3), new EpochPlan(3, 100, 10).Batch(2, 3));
    }
}
