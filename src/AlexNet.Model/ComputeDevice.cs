using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace AlexNet.Model;

/// <summary>Asked for a device this machine or this build cannot provide.</summary>
public sealed class DeviceUnavailableException(string message) : Exception(message);

/// <summary>
/// Chooses and prepares the compute backend. CPU by default (libtorch-cpu from NuGet). CUDA
/// comes either from TorchSharp-cuda-linux (build with -p:AlexNetCuda=true) or from an installed
/// libtorch named by LIBTORCH_PATH (build with -p:AlexNetBringYourOwnLibTorch=true), which is
/// loaded before TorchSharp touches its native bridge.
/// </summary>
public static class ComputeDevice
{
    public const string LibTorchPathVariable = "LIBTORCH_PATH";
    private static readonly object Gate = new();
    private static bool _preloaded;

    /// <summary>Loads libtorch from LIBTORCH_PATH when set. Safe to call many times.</summary>
    public static void PreloadLibTorch()
    {
        lock (Gate)
        {
            if (_preloaded) return;
            _preloaded = true;
            var dir = Environment.GetEnvironmentVariable(LibTorchPathVariable);
            if (string.IsNullOrEmpty(dir)) return;
            if (!Directory.Exists(dir))
                throw new DeviceUnavailableException($"{LibTorchPathVariable}={dir}: no such folder (expected the lib folder of a libtorch or of PyTorch's torch package)");
            // Dependencies first, so each load finds what it needs already mapped.
            foreach (var lib in new[] { "libc10.so", "libtorch_cpu.so", "libc10_cuda.so", "libtorch_cuda.so", "libtorch.so" })
            {
                var path = Path.Combine(dir, lib);
                if (File.Exists(path)) NativeLibrary.Load(path);
            }
            if (!File.Exists(Path.Combine(dir, "libtorch_cpu.so")))
                throw new DeviceUnavailableException($"{LibTorchPathVariable}={dir}: libtorch_cpu.so not found there");
        }
    }

    /// <summary>Parses "cpu", "cuda" or "cuda:N" and checks the device exists.</summary>
    public static Device Resolve(string spec)
    {
        PreloadLibTorch();
        var s = spec.Trim().ToLowerInvariant();
        if (s == "cpu") { InitializeDeviceType(DeviceType.CPU); return CPU; }
        if (CudaIndex(s) is { } index)
        {
            bool available;
            try { available = TryInitializeDeviceType(DeviceType.CUDA) && cuda.is_available(); }
            catch (Exception) { available = false; }
            if (!available)
                throw new DeviceUnavailableException($"device '{spec}': CUDA is not available (no GPU or no CUDA libtorch: build with -p:AlexNetCuda=true, or -p:AlexNetBringYourOwnLibTorch=true and set {LibTorchPathVariable})");
            int count = cuda.device_count();
            if (index >= count)
                throw new DeviceUnavailableException($"device '{spec}': only {count} CUDA device(s) present");
            return new Device(DeviceType.CUDA, index);
        }
        throw new DeviceUnavailableException($"device '{spec}': expected cpu, cuda or cuda:N");
    }

    /// <summary>
    /// The GPU index of "cuda" (0) or "cuda:N" (N ≥ 0, digits only); null for anything else, which
    /// <see cref="Resolve"/> refuses as a bad spelling whether or not this machine has CUDA.
    /// </summary>
    public static int? CudaIndex(string spec)
    {
        var s = spec.Trim().ToLowerInvariant();
        if (s == "cuda") return 0;
        if (!s.StartsWith("cuda:", StringComparison.Ordinal) || s.Length == 5 || !s[5..].All(char.IsAsciiDigit)) return null;
        return int.TryParse(s[5..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index) ? index : null;
    }

    /// <summary>
    /// TF32 tensor-core math for matrix multiplies and cuDNN convolutions on Ampere and newer GPUs
    /// (10-bit mantissa products, fp32 accumulation). Process-wide; no effect on CPU. Call it with
    /// false too where TF32 is meant to be off: libtorch starts with cuDNN's TF32 on (PyTorch's
    /// torch.backends.cudnn.allow_tf32 defaults to True) and only cuBLAS's off.
    /// </summary>
    public static void UseTf32(bool on)
    {
        if (!(TryInitializeDeviceType(DeviceType.CUDA) && cuda.is_available())) return;
        backends.cuda.matmul.allow_tf32 = on;
        backends.cudnn.allow_tf32 = on;
    }

    /// <summary>Intra-op threads for one of <paramref name="sharers"/> workers sharing this machine's cores.</summary>
    public static int ThreadsPerWorker(int sharers) => Math.Max(1, Environment.ProcessorCount / Math.Max(1, sharers));
}
