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
    private readonly double _lossScale;

    public ReferenceAlexNet Network { get; }

    public ReferenceTrainer(AlexNetConfig config, TrainingSettings settings, DatasetStatistics statistics, Device device)
    {
        _seed = settings.Seed;
        _lossScale = settings.Compute.EffectiveLossScale;
        var cpuNet = new ReferenceAlexNet(config, compute: settings.Compute);
        PaperInit.Initialize(cpuNet, settings.Seed);
        Network = device.type == DeviceType.CPU ? cpuNet : (ReferenceAlexNet)cpuNet.to(device);
        _sgd = new SgdMomentum(Network.named_parameters(), settings.Momentum, settings.WeightDecay, settings.MomentumForm);
        _normalizer = new InputNormalizer(statistics, device, settings.Compute.PinnedMemory);
    }

    /// <summary>One SGD step; returns the loss and the batch's top-k errors.</summary>
    public (float Loss, TopKErrors Errors) Step(ImageBatch batch, long step, double learningRate)
    {
        using var scope = NewDisposeScope();
        var x = _normalizer.Normalize(batch);
        var labels = tensor(batch.Labels.Select(l => (long)l).ToArray()).to(x.device);
        var masks = new DropoutMasks(_seed, step, Network.Config.Towers, Network.Config.Dropout);
        var logits = Network.Forward(x, masks);
        var loss = F.cross_entropy(logits, labels);
        if (_lossScale == 1) loss.backward();
        else
        {
            LossScaling.Scale(loss, _lossScale).backward();
            LossScaling.UnscaleGradients(Network.parameters(), _lossScale);
        }
        _sgd.Step(learningRate);
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
