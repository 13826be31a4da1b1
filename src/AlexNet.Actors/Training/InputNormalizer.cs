using AlexNet.Data;
using AlexNet.Model;
using static TorchSharp.torch;

namespace AlexNet.Actors.Training;

/// <summary>
/// Turns a loader's compact batch into the network input on a tower's device:
/// float(pixels) − (the same crop of the mean image, mirrored with the image) + the per-image PCA
/// lighting offset. Values stay on the paper's 0..255 scale. Holds the mean image on the device.
/// </summary>
public sealed class InputNormalizer : IDisposable
{
    private readonly Tensor? _mean; // [3, side, side] on the device; null when the mean is zero
    private readonly Device _device;
    private readonly bool _pinned;

    /// <param name="pinnedMemory">On a CUDA device, copy batches through page-locked memory without blocking (see <see cref="HostCopy"/>); no effect on the CPU.</param>
    public InputNormalizer(DatasetStatistics statistics, Device device, bool pinnedMemory = false)
    {
        _device = device;
        _pinned = pinnedMemory;
        if (statistics.MeanImage.Any(v => v != 0))
        {
            using var cpu = tensor(statistics.MeanImage, new long[] { 3, statistics.Side, statistics.Side });
            _mean = cpu.to(device).DetachFromDisposeScope();
        }
    }

    public Tensor Normalize(ImageBatch batch)
    {
        using var scope = NewDisposeScope();
        long n = batch.Count, s = batch.Side;
        using var raw = tensor(batch.Pixels, new[] { n, 3, s, s });
        var x = HostCopy.ToDevice(raw, _device, _pinned).to_type(ScalarType.Float32);
        if (_mean is not null) x = x.SubInPlace(MeanCrops(batch));
        if (batch.Lighting.Any(v => v != 0))
        {
            using var light = tensor(batch.Lighting, new[] { n, 3L, 1, 1 });
            x = x.AddInPlace(HostCopy.ToDevice(light, _device, _pinned));
        }
        return x.MoveToOuterDisposeScope();
    }

    private Tensor MeanCrops(ImageBatch batch)
    {
        int s = batch.Side;
        var cache = new Dictionary<CropBox, Tensor>();
        var crops = new Tensor[batch.Count];
        for (int i = 0; i < batch.Count; i++)
        {
            var box = batch.Crops[i];
            if (!cache.TryGetValue(box, out var crop))
            {
                crop = _mean!.narrow(1, box.Y, s).narrow(2, box.X, s);
                if (box.Flipped) crop = crop.flip(2);
                cache[box] = crop;
            }
            crops[i] = crop;
        }
        return stack(crops, 0);
    }

    public void Dispose() => _mean?.Dispose();
}
