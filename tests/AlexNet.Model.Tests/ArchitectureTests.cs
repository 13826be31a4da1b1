using AlexNet.Model;
using Xunit;

namespace AlexNet.Model.Tests;

public class ArchitectureTests
{
    [Fact]
    public void The_paper_configuration_has_60965224_parameters()
    {
        var (_, total) = ModelSummary.Measure(AlexNetConfig.Paper);
        Assert.Equal(60_965_224, total);
        Assert.EndsWith("parameters: 60965224", ModelSummary.Render(AlexNetConfig.Paper));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void Towers_hold_exactly_the_reference_parameters(int k)
    {
        var config = new AlexNetConfig { Towers = k };
        using var reference = new ReferenceAlexNet(config);
        long referenceCount = reference.parameters().Sum(p => p.numel());
        Assert.Equal(referenceCount, ModelSummary.Measure(config).Total);
        if (k == 2) Assert.Equal(60_965_224, referenceCount);
    }

    [Fact]
    public void Every_layer_has_the_papers_shape()
    {
        var c = AlexNetConfig.Paper;
        Assert.Equal(55, c.Conv1Size);
        Assert.Equal(27, c.Pool1Size);
        Assert.Equal(13, c.Pool2Size);
        Assert.Equal(6, c.Pool5Size);
        Assert.Equal(9216, c.Fc6Inputs);
        var (rows, _) = ModelSummary.Measure(c);
        Assert.Equal(new long[] { 128, 13, 13 }, rows[0].OutputShapePerTower);   // conv2 maps after pool2, per tower
        Assert.Equal(new long[] { 128 * 6 * 6 }, rows[1].OutputShapePerTower);   // conv5 after pool5, flattened
        Assert.Equal(new long[] { 2048 }, rows[2].OutputShapePerTower);          // fc6
        Assert.Equal(new long[] { 2048 }, rows[3].OutputShapePerTower);          // fc7
        Assert.Equal(new long[] { 500 }, rows[4].OutputShapePerTower);           // fc8
        // Per-layer parameter counts of the paper (both towers together).
        Assert.Equal(34_944 + 307_456, rows[0].ParametersAllTowers);             // conv1 11x11x3x96, conv2 5x5x48x256
        Assert.Equal(885_120 + 663_936 + 442_624, rows[1].ParametersAllTowers);  // conv3 3x3x256x384, conv4 3x3x192x384, conv5 3x3x192x256
        Assert.Equal(37_752_832, rows[2].ParametersAllTowers);
        Assert.Equal(16_781_312, rows[3].ParametersAllTowers);
        Assert.Equal(4_097_000, rows[4].ParametersAllTowers);
    }

    [Fact]
    public void Uneven_class_counts_are_split_across_towers()
    {
        var c = new AlexNetConfig { Towers = 4, Classes = 10 };
        Assert.Equal(new[] { 3, 3, 2, 2 }, Enumerable.Range(0, 4).Select(c.ClassesOf));
    }

    [Theory]
    [InlineData(3, 1000, 1.0, 224, "width")]   // conv2 has 256 channels, not divisible by 3
    [InlineData(2, 1000, 0.3, 224, "width")]   // conv1 = 29 channels
    [InlineData(2, 1000, 1.0, 40, "crop")]
    [InlineData(0, 1000, 1.0, 224, "towers")]
    [InlineData(2, 1, 1.0, 224, "classes")]
    [InlineData(2, 1000, -1.0, 224, "width")]
    public void Invalid_configurations_name_the_value(int towers, int classes, double width, int crop, string key)
    {
        var e = Assert.Throws<InvalidModelConfigException>(() =>
            new AlexNetConfig { Towers = towers, Classes = classes, Width = width, Crop = crop }.Validate());
        Assert.Equal(key, e.Key);
        Assert.Contains($"'{key}'", e.Message);
    }

    [Fact]
    public void The_smallest_crop_is_reported()
    {
        Assert.Equal(63, AlexNetConfig.MinimumCrop);
        new AlexNetConfig { Crop = 63 }.Validate();
    }
}
