using TorchSharp;
using static TorchSharp.torch;

namespace AlexNet.Model;

/// <summary>Moves host tensors (batches) to a compute device.</summary>
public static class HostCopy
{
    /// <summary>
    /// <paramref name="host"/> on <paramref name="device"/>, a new tensor. For CUDA with
    /// <paramref name="pinned"/>: staged in page-locked memory and copied asynchronously, so the
    /// calling thread does not wait for the GPU to finish its queued work, as a copy from pageable
    /// memory does. Disposing the staging tensor at once is safe: libtorch's caching host allocator
    /// records the copy's stream on the block and does not hand it out again before the copy is done.
    /// On the CPU this is the plain <c>to(device)</c> it always was.
    /// </summary>
    public static Tensor ToDevice(Tensor host, Device device, bool pinned)
    {
        if (!pinned || device.type != DeviceType.CUDA || host.device_type != DeviceType.CPU) return host.to(device);
        using var staged = host.is_pinned() ? host.alias() : host.pin_memory();
        return staged.to(device, non_blocking: true);
    }
}
