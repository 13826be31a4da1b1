using AlexNet.Model;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace AlexNet.Model.Tests;

/// <summary>
/// The speed variants compute the function the default fp32 NCHW network computes: channels-last
/// within float rounding, bf16/fp16 within their precision; weights and gradients stay fp32.
/// </summary>
public class ComputeOptionsTests(ITestOutputHelper output)
{
    private static readonly AlexNetConfig Config = new() { Towers = 2, Classes = 10, Width = 0.25, Crop = 67 };
    private static readonly ComputeOptions ChannelsLast = new() { MemoryFormat = MemoryFormat.ChannelsLast };
    private static readonly ComputeOptions Bf16 = new() { Precision = Precision.Bf16 };
    // A fixed scale these one-step comparisons can use: the default (65536, dynamic) overflows this
    // network's first steps, which a run skips (LossScalerTests, ComputeVariantsTests).
    private static readonly ComputeOptions Fp16 = new() { Precision = Precision.Fp16, LossScale = 1024 };

    /// <summary>Four random images on the paper's pixel scale, the same in every call (own generator: test classes run in parallel).</summary>
    private static Tensor Images()
    {
        using var generator = new Generator(5, CPU);
        using Scalar fifty = 50;
        using var noise = randn(new long[] { 4, 3, Config.Crop, Config.Crop }, generator: generator);
        return noise.mul(fifty);
    }

    /// <summary>Logits, loss and every parameter's gradient of one forward+backward, with dropout (and fp16's loss scaling).</summary>
    private static (Tensor Logits, float Loss, Dictionary<string, Tensor> Grads) Run(ComputeOptions compute)
    {
        using var net = new ReferenceAlexNet(Config, compute: compute);
        PaperInit.Initialize(net, seed: 11);
        using var scope = NewDisposeScope();
        var images = Images();
        var labels = tensor(new long[] { 1, 7, 3, 9 });
        var logits = net.Forward(images, new DropoutMasks(runSeed: 3, step: 42, towers: 2, p: 0.5));
        var loss = nn.functional.cross_entropy(logits, labels);
        double scale = new LossScaler(compute).Scale; // fp16's configured scale, 1 otherwise
        LossScaling.Scale(loss, scale).backward();
        LossScaling.UnscaleGradients(net.parameters(), scale);
        Assert.Equal(ScalarType.Float32, logits.dtype);
        foreach (var (name, p) in net.named_parameters())
        {
            Assert.Equal(ScalarType.Float32, p.dtype);
            Assert.True(p.grad is { dtype: ScalarType.Float32 }, $"{name}: the fp32 master weight got no fp32 gradient");
        }
        var grads = net.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.detach().clone().DetachFromDisposeScope());
        return (logits.detach().clone().DetachFromDisposeScope(), loss.item<float>(), grads);
    }

    /// <summary>‖a − b‖ / ‖b‖.</summary>
    private static double RelativeError(Tensor a, Tensor b) => (a - b).norm().item<float>() / Math.Max(1e-30, b.norm().item<float>());

    private static double Cosine(Tensor a, Tensor b) => (a * b).sum().item<float>() / Math.Max(1e-30, a.norm().item<float>() * b.norm().item<float>());

    /// <summary>
    /// How close a variant must come to fp32. Channels-last only reorders sums: everything within
    /// float rounding. Reduced precision: the logits and fc8's gradients (no ReLU after fc8) within a few
    /// of the type's rounding steps; earlier gradients only in direction, because a pre-activation that
    /// rounds across zero flips its ReLU and drops or adds that unit's whole gradient: two flips among
    /// the 4×1024 fc7 units already move its gradient by 3 % in bf16, and the effect compounds through
    /// each ReLU on the way back (measured: 20–30 % at conv1 in bf16, 5 % in fp16; a property of the
    /// types, as in PyTorch's autocast, not of the code under test).
    /// </summary>
    /// <param name="Gradient">Relative error allowed for fc8's gradients, or for every gradient when <paramref name="EveryGradient"/>.</param>
    private sealed record Tolerance(double Logits, double Gradient, bool EveryGradient, double MinCosine);

    private static readonly Tolerance FloatRounding = new(1e-5, 1e-5, EveryGradient: true, 0.999999);
    private static readonly Tolerance Bf16Tolerance = new(2e-2, 2e-2, EveryGradient: false, 0.9);
    private static readonly Tolerance Fp16Tolerance = new(3e-3, 3e-3, EveryGradient: false, 0.99);

    private void AssertClose(Tensor actualLogits, Tensor expectedLogits, IReadOnlyDictionary<string, Tensor> actualGrads,
        IReadOnlyDictionary<string, Tensor> expectedGrads, Tolerance tolerance, string what)
    {
        double logitsError = RelativeError(actualLogits, expectedLogits);
        output.WriteLine($"{what}: logits {logitsError:E2}");
        var errors = expectedGrads.Keys.ToDictionary(n => n, n => (Error: RelativeError(actualGrads[n], expectedGrads[n]), Cosine: Cosine(actualGrads[n], expectedGrads[n])));
        foreach (var (name, e) in errors) output.WriteLine($"  {name}: {e.Error:E2}, cosine {e.Cosine:F6}");
        Assert.True(logitsError <= tolerance.Logits, $"{what}: logits differ by {logitsError:E2}");
        foreach (var (name, e) in errors)
        {
            if (tolerance.EveryGradient || name.StartsWith("fc8.", StringComparison.Ordinal))
                Assert.True(e.Error <= tolerance.Gradient, $"{what}: gradient of {name} differs by {e.Error:E2}");
            Assert.True(e.Cosine >= tolerance.MinCosine, $"{what}: gradient of {name} points elsewhere (cosine {e.Cosine:F6})");
        }
    }

    private void AssertClose((Tensor Logits, float Loss, Dictionary<string, Tensor> Grads) actual,
        (Tensor Logits, float Loss, Dictionary<string, Tensor> Grads) expected, Tolerance tolerance, string what)
    {
        AssertClose(actual.Logits, expected.Logits, actual.Grads, expected.Grads, tolerance, what);
        Assert.True(Math.Abs(actual.Loss - expected.Loss) <= tolerance.Logits * Math.Abs(expected.Loss), $"{what}: loss {actual.Loss} vs {expected.Loss}");
    }

    [Fact]
    public void Channels_last_gives_the_contiguous_outputs_and_gradients()
    {
        AssertClose(Run(ChannelsLast), Run(ComputeOptions.Default), FloatRounding, "channels-last");
    }

    [Fact]
    public void Bf16_outputs_and_gradients_are_close_to_fp32()
    {
        var fp32 = Run(ComputeOptions.Default);
        AssertClose(Run(Bf16), fp32, Bf16Tolerance, "bf16");
        AssertClose(Run(Bf16 with { MemoryFormat = MemoryFormat.ChannelsLast }), fp32, Bf16Tolerance, "bf16 channels-last");
    }

    [Fact]
    public void Fp16_outputs_and_gradients_are_close_to_fp32()
    {
        AssertClose(Run(Fp16), Run(ComputeOptions.Default), Fp16Tolerance, "fp16 (loss scale 1024)");
    }

    [Theory]
    [InlineData(MemoryFormat.ChannelsLast, Precision.Fp32)]
    [InlineData(MemoryFormat.Contiguous, Precision.Bf16)]
    [InlineData(MemoryFormat.ChannelsLast, Precision.Fp16)]
    public void Towers_under_a_variant_match_the_fp32_reference(MemoryFormat format, Precision precision)
    {
        var compute = new ComputeOptions { MemoryFormat = format, Precision = precision, LossScale = 1024 };
        var tolerance = precision switch { Precision.Bf16 => Bf16Tolerance, Precision.Fp16 => Fp16Tolerance, _ => FloatRounding };
        var reference = new ReferenceAlexNet(Config);
        PaperInit.Initialize(reference, seed: 11);
        var towers = Enumerable.Range(0, Config.Towers).Select(t => new Tower(Config, t, compute: compute)).ToArray();
        for (int t = 0; t < towers.Length; t++)
        {
            var slice = WeightMapping.TowerSlice(reference, t);
            WeightMapping.Load(towers[t], slice);
            foreach (var w in slice.Values) w.Dispose();
        }
        using var scope = NewDisposeScope();
        var images = Images();
        var labels = tensor(new long[] { 1, 7, 3, 9 });
        // The loss scale is applied per segment, as TowerActor does.
        var (_, towerLogits) = SequentialTowers.ForwardBackward(towers, images, labels, null, new LossScaler(compute).Scale);
        var refLogits = reference.forward(images);
        nn.functional.cross_entropy(refLogits, labels).backward();

        var expected = reference.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter.grad!);
        var actual = expected.Keys.ToDictionary(name => name,
            name => cat(towers.Select(t => (Tensor)t.named_parameters().Single(q => q.name == name).parameter.grad!).ToArray(), 0));
        AssertClose(towerLogits, refLogits, actual, expected, tolerance, $"towers {format} {precision}");
        foreach (var t in towers) t.Dispose();
        reference.Dispose();
    }

    [Fact]
    public void Channels_last_convolutions_run_in_NHWC_and_hand_back_NCHW()
    {
        using var scope = NewDisposeScope();
        using var conv = nn.Conv2d(3, 8, 3, padding: 1);
        manual_seed(1);
        var x = randn(2, 3, 9, 9);
        var viewed = x.ToChannelsLast();
        Assert.True(viewed.IsChannelsLast());
        Assert.False(x.IsChannelsLast());
        Assert.True(viewed.equal(x).all().item<bool>());
        using (Scalar hundred = 100) viewed.ToChannelsLast().fill_(hundred); // already NHWC: a view, not a copy
        Assert.Equal(100f, viewed[1, 2, 8, 8].item<float>());
        Assert.NotEqual(100f, x[1, 2, 8, 8].item<float>());

        var math = new LayerMath(ChannelsLast);
        x = randn(2, 3, 9, 9);
        var y = math.Conv(conv, x);
        Assert.True(y.IsChannelsLast(), "libtorch propagates NHWC through the convolution");
        Assert.True(y.allclose(conv.forward(x), rtol: 1e-5, atol: 1e-6));
        var leaving = math.Output(y);
        Assert.True(leaving.is_contiguous());
        Assert.Equal(ScalarType.Float32, leaving.dtype);
    }

    [Fact]
    public void The_default_options_use_the_modules_own_forward()
    {
        using var scope = NewDisposeScope();
        using var conv = nn.Conv2d(3, 8, 3, padding: 1);
        manual_seed(1);
        var x = randn(2, 3, 9, 9);
        var math = new LayerMath(ComputeOptions.Default);
        Assert.True(math.Conv(conv, x).equal(conv.forward(x)).all().item<bool>());
        Assert.Same(x, math.Output(x));
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(1000)]
    [InlineData(33554432)]
    [InlineData(double.NaN)]
    public void A_loss_scale_that_is_not_a_power_of_two_in_range_is_refused(double scale)
    {
        var e = Assert.Throws<InvalidModelConfigException>(() => new ComputeOptions { LossScale = scale }.Validate());
        Assert.Equal("train.loss-scale", e.Key);
    }

    [Fact]
    public void Names_parse_and_print()
    {
        Assert.Equal(MemoryFormat.ChannelsLast, MemoryFormats.Parse("channels-last"));
        Assert.Equal(MemoryFormat.ChannelsLast, MemoryFormats.Parse("channels_last"));
        Assert.Null(MemoryFormats.Parse("nhwc"));
        Assert.Equal(Precision.Bf16, Precisions.Parse("BF16"));
        Assert.Null(Precisions.Parse("fp8"));
        Assert.Equal("fp32 contiguous", ComputeOptions.Default.ToString());
        Assert.Equal("fp16 (loss scale 256, dynamic) channels-last, unpinned",
            new ComputeOptions { Precision = Precision.Fp16, MemoryFormat = MemoryFormat.ChannelsLast, LossScale = 256, PinnedMemory = false }.ToString());
    }

    [Fact]
    public void Loss_scaling_is_exact_and_a_no_op_at_scale_one()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var g = randn(100);
        var original = g.clone();
        var scaled = LossScaling.Scale(g, 1024);
        LossScaling.Unscale(scaled, 1024);
        Assert.True(scaled.equal(original).all().item<bool>());
        LossScaling.Unscale(g, 1);
        Assert.True(g.equal(original).all().item<bool>());
    }

    [Fact]
    public void Host_copies_on_the_cpu_are_plain_copies_whatever_the_pinning()
    {
        using var scope = NewDisposeScope();
        var host = arange(12, dtype: ScalarType.Byte).reshape(1, 3, 2, 2);
        foreach (bool pinned in new[] { false, true })
        {
            var moved = HostCopy.ToDevice(host, CPU, pinned);
            Assert.Equal(DeviceType.CPU, moved.device_type);
            Assert.False(moved.is_pinned());
            Assert.True(moved.equal(host).all().item<bool>());
        }
    }
}
