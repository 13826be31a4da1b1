using AlexNet.Model;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace AlexNet.Model.Tests;

/// <summary>
/// What the CUDA paths rely on, pinned where a CPU can check it: device specs are parsed before
/// CUDA is asked for.
/// </summary>
public class DeviceSafetyTests
{
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
