using AlexNet.Actors.Training;
using AlexNet.Data;
using Xunit;
using static TorchSharp.torch;

namespace AlexNet.Actors.Tests;

/// <summary>
/// The coordinator hands a batch's pixel buffer back to the loaders' pool as soon as
/// <see cref="InputNormalizer.Normalize"/> returns, and a loader may overwrite it at once. That is
/// only safe if the input made from it no longer reads the buffer: TorchSharp's tensor(byte[])
/// copies the array, and on a GPU the copy to page-locked memory happens before the asynchronous
/// transfer is queued. A zero-copy tensor over the pooled array with an asynchronous copy from it
/// would race with the next batch; this pins the contract for either pinning setting.
/// </summary>
public class PixelBufferHandBackTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_input_does_not_change_when_the_buffer_is_overwritten_after_normalising(bool pinned)
    {
        const int n = 2, side = 4;
        var pixels = Enumerable.Range(0, n * 3 * side * side).Select(i => (byte)(i % 251)).ToArray();
        var lighting = new float[] { 1, 2, 3, -1, -2, -3 };
        var batch = new ImageBatch(0, 0, side, pixels, lighting, new[] { 0, 1 }, new CropBox[n], new[] { 0, 1 });
        var stats = DatasetStatistics.Neutral(side);
        using var normalizer = new InputNormalizer(stats, CPU, pinned);
        using var scope = NewDisposeScope();

        var input = normalizer.Normalize(batch);
        var before = input.clone();
        Array.Fill(pixels, (byte)255); // the next batch, written into the recycled buffer
        Array.Fill(lighting, 100f);

        Assert.True(input.equal(before).all().item<bool>());
        Assert.Equal(0f + 1f, input[0, 0, 0, 0].item<float>()); // pixel 0 of image 0, red, plus its lighting
    }
}
