using AlexNet.Model;
using Xunit;
using static TorchSharp.torch;

namespace AlexNet.Model.Tests;

/// <summary>The fp16 loss scale: when a step applies, is skipped or stops the run, and how the scale moves.</summary>
public class LossScalerTests
{
    private static ComputeOptions Fp16(LossScaleMode mode, double scale = 1024, int growth = 3) =>
        new() { Precision = Precision.Fp16, LossScale = scale, LossScaleMode = mode, LossScaleGrowthInterval = growth };

    [Fact]
    public void A_dynamic_scale_halves_on_overflow_and_doubles_after_the_growth_interval()
    {
        var scaler = new LossScaler(Fp16(LossScaleMode.Dynamic));
        Assert.True(scaler.ChecksGradients);
        Assert.Equal(1024, scaler.Scale);
        Assert.Equal(LossScaleVerdict.Skip, scaler.AfterStep(gradientsFinite: false));
        Assert.Equal(512, scaler.Scale);
        Assert.Equal(LossScaleVerdict.Apply, scaler.AfterStep(true));
        Assert.Equal(LossScaleVerdict.Apply, scaler.AfterStep(true));
        Assert.Equal(512, scaler.Scale);
        Assert.Equal(LossScaleVerdict.Skip, scaler.AfterStep(false)); // the run of finite steps starts again
        Assert.Equal(256, scaler.Scale);
        for (int i = 0; i < 3; i++) Assert.Equal(LossScaleVerdict.Apply, scaler.AfterStep(true));
        Assert.Equal(512, scaler.Scale);
        Assert.Equal(0, scaler.GoodSteps);
        Assert.Equal(2, scaler.SkippedSteps);
    }

    [Fact]
    public void The_scale_stays_between_one_and_two_to_the_24th()
    {
        var high = new LossScaler(Fp16(LossScaleMode.Dynamic, scale: LossScaler.MaxScale, growth: 1));
        high.AfterStep(true);
        Assert.Equal(LossScaler.MaxScale, high.Scale);
        var low = new LossScaler(Fp16(LossScaleMode.Dynamic, scale: 2));
        Assert.Equal(LossScaleVerdict.Skip, low.AfterStep(false));
        Assert.Equal(1, low.Scale);
        Assert.Equal(LossScaleVerdict.Stop, low.AfterStep(false)); // overflowing even unscaled: diverged
    }

    [Fact]
    public void A_static_scale_never_moves_and_an_overflow_stops_the_run()
    {
        var scaler = new LossScaler(Fp16(LossScaleMode.Static, growth: 1));
        for (int i = 0; i < 5; i++) Assert.Equal(LossScaleVerdict.Apply, scaler.AfterStep(true));
        Assert.Equal(1024, scaler.Scale);
        Assert.Equal(LossScaleVerdict.Stop, scaler.AfterStep(false));
    }

    [Theory]
    [InlineData(Precision.Fp32)]
    [InlineData(Precision.Bf16)]
    public void Other_precisions_have_a_scale_of_one_and_always_apply(Precision precision)
    {
        var scaler = new LossScaler(new ComputeOptions { Precision = precision });
        Assert.False(scaler.ChecksGradients);
        Assert.Equal(1, scaler.Scale);
        Assert.Equal(LossScaleVerdict.Apply, scaler.AfterStep(false));
    }

    [Fact]
    public void A_resumed_dynamic_scale_goes_on_where_it_was_and_a_static_one_takes_the_configured_value()
    {
        var dynamic = new LossScaler(Fp16(LossScaleMode.Dynamic, scale: 65536));
        dynamic.Restore(scale: 2048, goodSteps: 2, skippedSteps: 7);
        Assert.Equal((2048.0, 2, 7L), (dynamic.Scale, dynamic.GoodSteps, dynamic.SkippedSteps));
        dynamic.AfterStep(true); // the third finite step in a row
        Assert.Equal(4096, dynamic.Scale);

        // A static run stopped by an overflow is resumed with a lower scale: that one counts.
        var lowered = new LossScaler(Fp16(LossScaleMode.Static, scale: 256));
        lowered.Restore(scale: 1024, goodSteps: 0, skippedSteps: 0);
        Assert.Equal(256, lowered.Scale);
    }

    [Fact]
    public void Growth_interval_and_scale_are_validated_with_their_keys()
    {
        Assert.Equal("train.loss-scale-growth-interval",
            Assert.Throws<InvalidModelConfigException>(() => Fp16(LossScaleMode.Dynamic, growth: 0).Validate()).Key);
        Assert.Equal(LossScaleMode.Static, LossScaleModes.Parse(" Static "));
        Assert.Null(LossScaleModes.Parse("auto"));
    }

    /// <summary>
    /// Real fp16 arithmetic: the same backward through the fp16 network gives finite, correctly unscaled
    /// gradients at a moderate scale and overflows at 2^24, which the check reports.
    /// </summary>
    [Fact]
    public void The_gradient_check_tells_an_fp16_overflow_from_a_finite_unscaled_gradient()
    {
        var config = new AlexNetConfig { Towers = 2, Classes = 10, Width = 0.25, Crop = 67 };
        Dictionary<string, Tensor>? moderate = null;
        foreach (double scale in new[] { 1.0, 256.0, LossScaler.MaxScale })
        {
            using var net = new ReferenceAlexNet(config, compute: new ComputeOptions { Precision = Precision.Fp16 });
            PaperInit.Initialize(net, seed: 11);
            using var scope = NewDisposeScope();
            using var generator = new Generator(5, CPU);
            var images = randn(new long[] { 4, 3, 67, 67 }, generator: generator).mul(50);
            var loss = nn.functional.cross_entropy(net.Forward(images, null), tensor(new long[] { 1, 7, 3, 9 }));
            LossScaling.Scale(loss, scale).backward();
            bool finite = LossScaling.UnscaleGradientsAndCheck(net.parameters(), scale);
            var grads = net.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.clone().DetachFromDisposeScope());
            if (scale == LossScaler.MaxScale)
            {
                Assert.False(finite, "at 2^24 the fp16 gradients overflow");
                Assert.Contains(grads.Values, g => !g.isfinite().all().item<bool>());
            }
            else
            {
                Assert.True(finite, $"at scale {scale}");
                if (moderate is null) { moderate = grads; continue; }
                // Unscaled, the gradients at 256 are those at 1, up to fp16 rounding of the small ones.
                foreach (var (name, g) in grads)
                {
                    double err = (g - moderate[name]).norm().item<float>(), norm = moderate[name].norm().item<float>();
                    Assert.True(err <= 0.05 * norm + 1e-6, $"{name}: unscaled gradients differ by {err} (norm {norm})");
                }
            }
        }
    }
}
