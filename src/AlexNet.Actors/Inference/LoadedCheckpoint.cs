using AlexNet.Actors.Checkpoints;
using AlexNet.Model;
using static TorchSharp.torch;

namespace AlexNet.Actors.Inference;

/// <summary>A checkpoint opened for inference: where it is, what it says, and its network on a device.</summary>
public sealed class LoadedCheckpoint : IDisposable
{
    public string Folder { get; }
    public CheckpointManifest Manifest { get; }
    public ReferenceAlexNet Network { get; }
    public Device Device { get; }
    public AlexNetConfig Model => Manifest.Model;

    private LoadedCheckpoint(string folder, CheckpointManifest manifest, ReferenceAlexNet network, Device device) =>
        (Folder, Manifest, Network, Device) = (folder, manifest, network, device);

    /// <param name="path">A checkpoint folder, or a run's checkpoint folder (its newest usable checkpoint).</param>
    /// <param name="device">"cpu", "cuda" or "cuda:N".</param>
    public static LoadedCheckpoint Open(string path, string device, Action<string>? log = null)
    {
        var (folder, manifest) = CheckpointLocator.Resolve(path, log);
        var dev = ComputeDevice.Resolve(device);
        return new LoadedCheckpoint(folder, manifest, CheckpointWeights.LoadReference(folder, manifest, dev), dev);
    }

    public void Dispose() => Network.Dispose();
}
