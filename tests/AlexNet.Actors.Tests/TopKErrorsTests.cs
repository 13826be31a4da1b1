using AlexNet.Actors.Training;
using Xunit;
using static TorchSharp.torch;

namespace AlexNet.Actors.Tests;

public class TopKErrorsTests
{
    [Fact]
    public void Top_1_and_top_5_misses_are_counted_per_image()
    {
        using var scope = NewDisposeScope();
        // 7 classes; logits rank the classes 0 > 1 > ... > 6 for every image.
        var logits = arange(7, 0, -1, dtype: ScalarType.Float32).unsqueeze(0).expand(4, 7).contiguous();
        // Label 0: top-1 hit. Label 3: top-5 hit only. Label 5 and 6: missed by both.
        var errors = TopKErrors.Of(logits, tensor(new long[] { 0, 3, 5, 6 }));
        Assert.Equal(new TopKErrors(4, 3, 2), errors);
        Assert.Equal(0.75, errors.Top1);
        Assert.Equal(0.5, errors.Top5);
        // Fewer than 5 classes: top-5 becomes top-C, which never misses.
        Assert.Equal(new TopKErrors(2, 1, 0), TopKErrors.Of(tensor(new float[,] { { 2, 1, 0 }, { 2, 1, 0 } }), tensor(new long[] { 0, 2 })));
    }
}
