using AlexNet.Data;
using AlexNet.Model;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace AlexNet.Actors.Training;

/// <summary>
/// One-process training of the reference network, step for step what the actors do (same input
/// normalisation, same dropout masks, same SGD). The baseline of the equivalence test and of
/// `alexnet bench`.
/// </summary>
public sealed class ReferenceTrainer : IDisposable
{
    private readonly InputNormalizer _normalizer;
    private readonly SgdMomentum _sgd;
    private readonly long _seed;
    private readonly LossScaler _lossScaler;
    private readonly bool _pinned;

    public ReferenceAlexNet Network { get; }

    public ReferenceTrainer(AlexNetConfig config, TrainingSettings settings, DatasetStatistics statistics, Device device)
    {
        _seed = settings.Seed;
        _lossScaler = new LossScaler(settings.Compute);
        _pinned = settings.Compute.PinnedMemory;
        var cpuNet = new ReferenceAlexNet(config, compute: settings.Compute);
        PaperInit.Initialize(cpuNet, settings.Seed);
        Network = device.type == DeviceType.CPU ? cpuNet : (ReferenceAlexNet)cpuNet.to(device);
        _sgd = new SgdMomentum(Network.named_parameters(), settings.Momentum, settings.WeightDecay, settings.MomentumForm);
        _normalizer = new InputNormalizer(statistics, device, settings.Compute.PinnedMemory);
    }

    /// <summary>fp16: the loss scale of the next step and the steps skipped so far; the towers' coordinator keeps the same.</summary>
    public LossScaler LossScaler => _lossScaler;

    /// <summary>
    /// One SGD step; returns the loss and the batch's top-k errors. An fp16 step whose gradients
    /// overflow is skipped as the coordinator skips it (or throws, where the towers' run would stop).
    /// </summary>
    public (float Loss, TopKErrors Errors) Step(ImageBatch batch, long step, double learningRate)
    {
        using var scope = NewDisposeScope();
        var x = _normalizer.Normalize(batch);
        // As the coordinator copies them: without waiting for the GPU's queue (see HostCopy).
        var labels = HostCopy.ToDevice(tensor(batch.Labels.Select(l => (long)l).ToArray()), x.device, _pinned);
        var masks = new DropoutMasks(_seed, step, Network.Config.Towers, Network.Config.Dropout);
        var logits = Network.Forward(x, masks);
        var loss = F.cross_entropy(logits, labels);
        double scale = _lossScaler.Scale;
        bool finite = true;
        if (!_lossScaler.ChecksGradients) loss.backward();
        else
        {
            LossScaling.Scale(loss, scale).backward();
            finite = LossScaling.UnscaleGradientsAndCheck(Network.parameters(), scale);
        }
        var verdict = _lossScaler.AfterStep(finite);
        if (verdict == LossScaleVerdict.Stop) throw new InvalidOperationException($"step {step}: fp16 gradients overflowed at loss scale {scale}");
        if (verdict == LossScaleVerdict.Apply) _sgd.Step(learningRate);
        _sgd.ZeroGrad();
        return (loss.item<float>(), TopKErrors.Of(logits.detach(), labels));
    }

    public void Dispose()
    {
        _sgd.Dispose();
        _normalizer.Dispose();
        Network.Dispose();
    }
}
