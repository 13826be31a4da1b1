namespace AlexNet.Data;

/// <summary>How `alexnet prepare` stores images. A resumed run must use the same settings (workers aside).</summary>
/// <param name="Size">Side of the stored square: shorter side scaled to it, centre crop (256 in the paper).</param>
/// <param name="Format">Raw RGB or JPEG records.</param>
/// <param name="Quality">JPEG quality for <see cref="RecordFormat.Jpeg"/> records.</param>
/// <param name="ShardImages">Source images per shard: the unit of parallel work and of resuming.</param>
/// <param name="MaxPixels">Images with more pixels than this are skipped before decoding.</param>
public sealed record PrepareSettings(int Size = 256, RecordFormat Format = RecordFormat.Raw, int Quality = 90, int ShardImages = 1024, long MaxPixels = SourceImageConverter.DefaultMaxPixels)
{
    public PrepareSettings Validate()
    {
        if (Size is < 8 or > 4096) throw new DataFormatException($"size {Size}: expected 8..4096");
        if (Quality is < 1 or > 100) throw new DataFormatException($"quality {Quality}: expected 1..100");
        if (ShardImages < 1) throw new DataFormatException($"shard size {ShardImages}: expected at least 1");
        if (MaxPixels < 1) throw new DataFormatException($"pixel cap {MaxPixels}: expected at least 1");
        return this;
    }
}
