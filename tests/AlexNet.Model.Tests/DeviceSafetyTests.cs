using AlexNet.Model;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace AlexNet.Model.Tests;

/// <summary>
/// What the CUDA paths rely on, pinned where a CPU can check it: dropout masks come from a CPU
/// generator whatever the device (TorchSharp 0.107 makes no CUDA generator, and libtorch refuses a
/// CPU one for a CUDA tensor), and device specs are parsed before CUDA is asked for.
/// </summary>
public class DeviceSafetyTests
{
    [Fact]
    public void Dropout_masks_are_drawn_by_a_cpu_generator_and_keep_their_values()
    {
        using var scope = NewDisposeScope();
        var masks = new DropoutMasks(runSeed: 7, step: 3, towers: 2, p: 0.5);
        var keep = masks.KeepOnCpu(Segment.Fc6, tower: 1, batch: 4, units: 16);
        Assert.Equal(DeviceType.CPU, keep.device_type);
        Assert.Equal(ScalarType.Bool, keep.dtype);

        // The draw the masks always were: a CPU generator seeded with (seed, step, layer, tower).
        using var generator = new Generator(DropoutMasks.MixSeed(7, 3, (int)Segment.Fc6, 1), CPU);
        using Scalar half = 0.5, two = 2.0;
        var expected = rand(new long[] { 4, 16 }, generator: generator).ge(half).to_type(ScalarType.Float32).mul(two);
        var mask = masks.ForTower(Segment.Fc6, tower: 1, batch: 4, units: 16, CPU);
        Assert.Equal(ScalarType.Float32, mask.dtype);
        Assert.True(mask.equal(expected).all().item<bool>());
        Assert.True(keep.to_type(ScalarType.Float32).mul(two).equal(mask).all().item<bool>());
    }

    [Fact]
    public void The_full_mask_is_the_towers_masks_side_by_side()
    {
        using var scope = NewDisposeScope();
        var masks = new DropoutMasks(runSeed: 1, step: 9, towers: 2, p: 0.5);
        var full = masks.Full(Segment.Fc7, batch: 3, units: 8, CPU);
        var parts = cat(new[] { masks.ForTower(Segment.Fc7, 0, 3, 4, CPU), masks.ForTower(Segment.Fc7, 1, 3, 4, CPU) }, 1);
        Assert.True(full.equal(parts).all().item<bool>());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void A_gpu_named_in_a_message_is_the_same_gpu_again(int index)
    {
        // Towers report their device as text (TowerReady.Device); the coordinator makes each device's
        // input by that name, so the name must come back as the same GPU, not the first or the current one.
        var named = new Device(new Device(DeviceType.CUDA, index).ToString());
        Assert.Equal(DeviceType.CUDA, named.type);
        Assert.Equal(index, named.index);
    }

    [Theory]
    [InlineData("cuda", 0)]
    [InlineData("CUDA", 0)]
    [InlineData(" cuda:0 ", 0)]
    [InlineData("cuda:3", 3)]
    [InlineData("cuda:", null)]
    [InlineData("cuda:-1", null)]
    [InlineData("cuda:+1", null)]
    [InlineData("cuda:1.5", null)]
    [InlineData("cuda:x", null)]
    [InlineData("gpu", null)]
    [InlineData("cpu", null)]
    public void Cuda_specs_give_their_index(string spec, int? index) => Assert.Equal(index, ComputeDevice.CudaIndex(spec));

    [Theory]
    [InlineData("cuda:-1")]
    [InlineData("cuda:")]
    [InlineData("cuda:x")]
    [InlineData("gpu")]
    public void A_misspelt_device_is_refused_as_such_with_or_without_cuda(string spec)
    {
        var e = Assert.Throws<DeviceUnavailableException>(() => ComputeDevice.Resolve(spec));
        Assert.Contains("expected cpu, cuda or cuda:N", e.Message);
    }
}
