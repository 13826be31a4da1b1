using AlexNet.Data;
using static TorchSharp.torch;

namespace AlexNet.Actors.Coordination;

/// <summary>
/// A batch taken from the prefetch window, with its network input already made on every tower
/// device when the towers share inputs. The coordinator makes the next one while the towers work
/// on the current step, so the host-to-device copy and the normalisation (milliseconds for a paper
/// batch) overlap the step instead of opening it. Owns the input tensors until disposed.
/// </summary>
internal sealed class PreparedBatch(BatchKey key, ImageBatch batch, IReadOnlyDictionary<string, Tensor> inputs) : IDisposable
{
    public BatchKey Key { get; } = key;
    public ImageBatch Batch { get; } = batch;

    /// <summary>By device; empty when each tower normalises the batch itself.</summary>
    public IReadOnlyDictionary<string, Tensor> Inputs { get; } = inputs;

    public void Dispose()
    {
        foreach (var input in Inputs.Values) input.Dispose();
    }
}
