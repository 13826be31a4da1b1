using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Processing;

namespace AlexNet.Data.Tests;

/// <summary>A damaged record in a real JPEG shard: the training loaders leave it out, everyone else refuses it.</summary>
public class UnreadableImageTests
{
    private const int Side = 64, Damaged = 2;

    /// <summary>Six real photos as 64×64 JPEG records in one shard, record 2's JPEG header wiped out.</summary>
    private static PreparedDataset DamagedShard(TempFolder dir)
    {
        var records = MatePhotos.Jpegs.Take(6).Select((path, i) =>
        {
            using var image = MatePhotos.SmallImage(path, 96);
            image.Mutate(x => x.Resize(Side, Side));
            using var stream = new MemoryStream();
            image.SaveAsJpeg(stream);
            return (stream.ToArray(), i % 2);
        }).ToList();
        SingleShardSplit.Write(dir["train"], Side, new[] { "a", "b" }, records, RecordFormat.Jpeg);
        string shard = Path.Combine(dir["train"], PreparedLayout.ShardFile(0));
        var bytes = File.ReadAllBytes(shard);
        var starts = Enumerable.Range(0, bytes.Length - 2).Where(i => bytes[i] == 0xFF && bytes[i + 1] == 0xD8 && bytes[i + 2] == 0xFF).ToList();
        Array.Clear(bytes, starts[Damaged], 16); // no JPEG start-of-image marker: not a JPEG any more
        File.WriteAllBytes(shard, bytes);
        return new PreparedDataset(dir["train"]);
    }

    [Fact]
    public void A_training_loader_leaves_the_image_out_and_says_which_and_why()
    {
        using var dir = new TempFolder();
        using var data = DamagedShard(dir);
        var statistics = DatasetStatistics.Neutral(Side);
        var settings = new AugmentationSettings(Crop: 56);
        var samples = new[] { 5, 2, 0, 3 };

        var strict = new BatchAssembler(data, statistics, settings, seed: 4);
        Assert.Contains($"record {Damaged} is not a readable JPEG", Assert.Throws<DataFormatException>(() => strict.Assemble(1, 0, samples, BatchView.Train)).Message);

        var tolerant = new BatchAssembler(data, statistics, settings, seed: 4, skipUnreadable: true);
        var batch = tolerant.Assemble(1, 0, samples, BatchView.Train, new byte[tolerant.PixelBytes(4)]);
        var skipped = Assert.Single(batch.Skipped);
        Assert.Equal(Damaged, skipped.Index);
        Assert.Contains("not a readable JPEG", skipped.Reason);
        // The others are exactly what they would have been: each image's crop and flip depend on its own index only.
        var expected = strict.Assemble(1, 0, new[] { 5, 0, 3 }, BatchView.Train);
        Assert.Equal(3, batch.Count);
        Assert.Equal(expected.SampleIndices, batch.SampleIndices);
        Assert.Equal(expected.Pixels, batch.Pixels);
        Assert.Equal(expected.Labels, batch.Labels);
        Assert.Equal(expected.Crops, batch.Crops);
        Assert.Equal(3 * 3, batch.Lighting.Length);

        Assert.Empty(tolerant.Assemble(1, 1, new[] { 0, 1 }, BatchView.Centre).Skipped);
        var none = Assert.Throws<DataFormatException>(() => tolerant.Assemble(1, 2, new[] { Damaged }, BatchView.Centre));
        Assert.Contains("none of the 1 images of batch 2 could be read", none.Message);
    }
}
