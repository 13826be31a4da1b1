using AlexNet.Data;
using AlexNet.Model;
using TorchSharp;

namespace AlexNet.Cli.Commands;

/// <summary>`alexnet devices`: which backend loaded, CUDA devices, CPU threads, JPEG decoders; checks a --device.</summary>
public sealed class DevicesCommand : ICommand
{
    public string Name => "devices";
    public string Summary => "show the compute backend (CPU threads, CUDA devices) and check a --device";
    public string Usage => """
        usage: alexnet devices [--device D]
          --device D   cpu, cuda or cuda:N; exit code 2 with one line if it is not available
        CUDA comes from a build with -p:AlexNetCuda=true, or -p:AlexNetBringYourOwnLibTorch=true with
        LIBTORCH_PATH naming an installed libtorch (e.g. PyTorch's torch/lib).
        """;

    public int Run(CliArgs args)
    {
        var spec = args.String("device");
        args.RejectUnknown(Name);
        var device = ComputeDevice.Resolve(spec ?? "cpu");
        Console.WriteLine($"libtorch: {Environment.GetEnvironmentVariable(ComputeDevice.LibTorchPathVariable) ?? "from the NuGet package next to this program"}");
        Console.WriteLine($"cpu: {Environment.ProcessorCount} cores, {torch.get_num_threads()} intra-op threads");
        Console.WriteLine(TurboJpeg.Available ? "jpeg: libjpeg-turbo (libturbojpeg.so.0) and imagesharp; auto uses libjpeg-turbo"
            : "jpeg: imagesharp only (libturbojpeg.so.0 not found; apt install libturbojpeg0 for the faster decoder)");
        bool cuda;
        try { cuda = torch.TryInitializeDeviceType(DeviceType.CUDA) && torch.cuda.is_available(); } catch (Exception) { cuda = false; }
        // cuDNN too: without it convolutions on the GPU fall back to slow kernels, which would explain a bench figure.
        Console.WriteLine(cuda ? $"cuda: {torch.cuda.device_count()} device(s), cuDNN {(torch.cuda.is_cudnn_available() ? "available" : "not available")}" : "cuda: not available");
        Console.WriteLine($"selected: {device}");
        return 0;
    }
}
