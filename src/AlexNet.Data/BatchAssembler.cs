namespace AlexNet.Data;

/// <summary>
/// Builds an <see cref="ImageBatch"/> from dataset samples: crops (random for training, fixed for
/// the evaluation views), flips, and draws the PCA lighting coefficients. Each image's draws come
/// from a stream keyed by (seed, epoch, dataset index), so the batch is a pure function of its inputs.
/// With <paramref name="skipUnreadable"/> (the training loaders), an image whose read fails with a
/// data or I/O error is left out and listed in <see cref="ImageBatch.Skipped"/>, so a 90-epoch run
/// does not die on one damaged record; a batch of which no image could be read still fails.
/// </summary>
public sealed class BatchAssembler(IImageDataset dataset, DatasetStatistics statistics, AugmentationSettings settings, long seed,
    bool skipUnreadable = false)
{
    public IImageDataset Dataset => dataset;
    public DatasetStatistics Statistics => statistics;
    public AugmentationSettings Settings => settings;

    public ImageBatch Assemble(long epoch, int batchIndex, IReadOnlyList<int> samples, BatchView view) =>
        // Every byte is written; skipping the zeroing matters at 19 MB per paper batch.
        Assemble(epoch, batchIndex, samples, view, GC.AllocateUninitializedArray<byte>(PixelBytes(samples.Count)));

    /// <summary>The pixel buffer length of a batch of <paramref name="images"/> crops: N·3·crop·crop.</summary>
    public int PixelBytes(int images) => images * 3 * settings.Crop * settings.Crop;

    /// <summary>
    /// The same batch, written into <paramref name="pixels"/> (N·3·crop·crop bytes), which the batch
    /// then holds. For a loader that gets its buffers back (in one process, once a tower has copied
    /// the pixels): a fresh 19 MB array costs more in page faults than cropping 128 images.
    /// </summary>
    public ImageBatch Assemble(long epoch, int batchIndex, IReadOnlyList<int> samples, BatchView view, byte[] pixels)
    {
        int side = dataset.ImageSide, crop = settings.Crop, n = samples.Count;
        if (crop > side) throw new ArgumentException($"crop {crop} is larger than the stored images ({side})");
        if (pixels.Length != PixelBytes(n)) throw new ArgumentException($"pixel buffer of {pixels.Length} bytes, expected {n}·3·{crop}·{crop}");
        var lighting = new float[n * 3];
        var labels = new int[n];
        var crops = new CropBox[n];
        var kept = new int[n];
        List<SkippedImage>? skipped = null;
        var source = SourceBuffer(side * side * 3);
        Span<double> alpha = stackalloc double[3];
        int i = 0; // images written so far
        for (int s = 0; s < n; s++)
        {
            int index = samples[s];
            try { dataset.ReadPixels(index, source); }
            catch (Exception e) when (skipUnreadable && e is DataFormatException or IOException)
            {
                (skipped ??= new()).Add(new SkippedImage(index, e.Message));
                continue;
            }
            kept[i] = index;
            labels[i] = dataset.Label(index);
            var box = Box(view, side, crop, new SeededRandom(seed, epoch, index, 0xA06));
            crops[i] = box;
            CropToChw(source, side, box, crop, pixels.AsSpan(i * 3 * crop * crop, 3 * crop * crop));
            if (view == BatchView.Train && settings.LightingStd > 0)
            {
                var rng = new SeededRandom(seed, epoch, index, 0x116);
                for (int k = 0; k < 3; k++) alpha[k] = rng.NextGaussian() * settings.LightingStd;
                statistics.LightingOffset(alpha).CopyTo(lighting, i * 3);
            }
            i++;
        }
        if (skipped is null) return new ImageBatch(epoch, batchIndex, crop, pixels, lighting, labels, crops, kept);
        if (i == 0) throw new DataFormatException($"none of the {n} images of batch {batchIndex} could be read; the first: {skipped[0].Reason}");
        // Rare: a right-sized copy, so that every array of the batch has one entry per image kept.
        return new ImageBatch(epoch, batchIndex, crop, pixels.AsSpan(0, PixelBytes(i)).ToArray(), lighting[..(3 * i)], labels[..i], crops[..i], kept[..i])
        {
            Skipped = skipped,
        };
    }

    /// <summary>The crop box of one view; random position and flip for <see cref="BatchView.Train"/>.</summary>
    public CropBox Box(BatchView view, int side, int crop, SeededRandom rng)
    {
        int far = side - crop, mid = far / 2;
        return view switch
        {
            BatchView.Train => new CropBox(rng.NextInt(far + 1), rng.NextInt(far + 1), settings.Flip && rng.NextDouble() < 0.5),
            BatchView.Centre or BatchView.CentreCrop => new CropBox(mid, mid, false),
            BatchView.TopLeft => new CropBox(0, 0, false),
            BatchView.TopRight => new CropBox(far, 0, false),
            BatchView.BottomLeft => new CropBox(0, far, false),
            BatchView.BottomRight => new CropBox(far, far, false),
            BatchView.TopLeftFlipped => new CropBox(0, 0, true),
            BatchView.TopRightFlipped => new CropBox(far, 0, true),
            BatchView.BottomLeftFlipped => new CropBox(0, far, true),
            BatchView.BottomRightFlipped => new CropBox(far, far, true),
            BatchView.CentreFlipped => new CropBox(mid, mid, true),
            _ => throw new ArgumentOutOfRangeException(nameof(view)),
        };
    }

    [ThreadStatic] private static byte[]? _source;

    // One decoded image per loader thread, reused: no per-image allocation on the hot path.
    private static byte[] SourceBuffer(int length) =>
        _source is { } s && s.Length == length ? s : (_source = new byte[length]);

    /// <summary>Copies a crop of an HWC image into a CHW destination, mirroring columns when flipped.</summary>
    public static void CropToChw(ReadOnlySpan<byte> hwc, int side, CropBox box, int crop, Span<byte> chw)
    {
        if (box.X < 0 || box.Y < 0 || box.X + crop > side || box.Y + crop > side)
            throw new ArgumentOutOfRangeException(nameof(box), $"crop {crop} at ({box.X},{box.Y}) leaves the {side}×{side} image");
        int plane = crop * crop;
        var r = chw[..plane];
        var g = chw.Slice(plane, plane);
        var b = chw.Slice(2 * plane, plane);
        for (int y = 0; y < crop; y++)
        {
            var row = hwc.Slice(((box.Y + y) * side + box.X) * 3, crop * 3);
            int at = y * crop;
            RgbRowSplitter.Split(row, crop, box.Flipped, r.Slice(at, crop), g.Slice(at, crop), b.Slice(at, crop));
        }
    }

    /// <summary>The ten test views of the paper, in a fixed order.</summary>
    public static readonly BatchView[] TenViews =
    {
        BatchView.TopLeft, BatchView.TopRight, BatchView.BottomLeft, BatchView.BottomRight, BatchView.CentreCrop,
        BatchView.TopLeftFlipped, BatchView.TopRightFlipped, BatchView.BottomLeftFlipped, BatchView.BottomRightFlipped, BatchView.CentreFlipped,
    };
}
