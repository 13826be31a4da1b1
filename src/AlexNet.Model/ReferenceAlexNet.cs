using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace AlexNet.Model;

/// <summary>
/// The one-process network that computes exactly what K towers compute together: conv2, conv4
/// and conv5 are grouped convolutions (groups = K), LRN runs within each group, conv3 and the
/// fully connected layers read everything. It is the baseline for the equivalence test and
/// the benchmark, and the layout of exported weights.
/// </summary>
public sealed class ReferenceAlexNet : nn.Module<Tensor, Tensor>
{
    public AlexNetConfig Config { get; }

    private readonly Conv2d conv1, conv2, conv3, conv4, conv5;
    private readonly Linear fc6, fc7, fc8;
    private readonly LayerMath _math;

    public ComputeOptions Compute => _math.Options;

    /// <param name="compute">Precision and memory format of the layers; null: fp32, contiguous.</param>
    public ReferenceAlexNet(AlexNetConfig config, Device? device = null, ComputeOptions? compute = null) : base("alexnet")
    {
        Config = config.Validate();
        _math = new LayerMath((compute ?? ComputeOptions.Default).Validate());
        int k = config.Towers;
        conv1 = nn.Conv2d(AlexNetConfig.InputChannels, config.Conv1Channels, AlexNetConfig.Conv1Kernel,
            stride: AlexNetConfig.Conv1Stride, padding: AlexNetConfig.Conv1Padding);
        conv2 = nn.Conv2d(config.Conv1Channels, config.Conv2Channels, AlexNetConfig.Conv2Kernel, padding: AlexNetConfig.Conv2Padding, groups: k);
        conv3 = nn.Conv2d(config.Conv2Channels, config.Conv3Channels, AlexNetConfig.Conv345Kernel, padding: AlexNetConfig.Conv345Padding);
        conv4 = nn.Conv2d(config.Conv3Channels, config.Conv4Channels, AlexNetConfig.Conv345Kernel, padding: AlexNetConfig.Conv345Padding, groups: k);
        conv5 = nn.Conv2d(config.Conv4Channels, config.Conv5Channels, AlexNetConfig.Conv345Kernel, padding: AlexNetConfig.Conv345Padding, groups: k);
        fc6 = nn.Linear(config.Fc6Inputs, config.Fc6Units);
        fc7 = nn.Linear(config.Fc6Units, config.Fc7Units);
        fc8 = nn.Linear(config.Fc7Units, config.Classes);
        RegisterComponents();
        if (device is not null && device.type != DeviceType.CPU) this.to(device);
    }

    /// <summary>Evaluation forward: no dropout.</summary>
    public override Tensor forward(Tensor image) => Forward(image, null);

    /// <summary>Forward with the same dropout masks the towers would draw (null: no dropout). The logits are fp32.</summary>
    public Tensor Forward(Tensor image, DropoutMasks? masks)
    {
        using var scope = NewDisposeScope();
        var x = Pool5(image);
        x = Tower.Dropout(F.relu(_math.Linear(fc6, x)), masks?.Full(Segment.Fc6, x.shape[0], Config.Fc6Units, x.device));
        x = Tower.Dropout(F.relu(_math.Linear(fc7, x)), masks?.Full(Segment.Fc7, x.shape[0], Config.Fc7Units, x.device));
        return _math.Output(_math.Linear(fc8, x)).MoveToOuterDisposeScope();
    }

    /// <summary>conv1 … pool5, flattened: what fc6 reads.</summary>
    private Tensor Pool5(Tensor image)
    {
        using var scope = NewDisposeScope();
        int k = Config.Towers;
        var x = Tower.Pool(_math.Lrn(F.relu(_math.Conv(conv1, image)), groups: k));
        x = Tower.Pool(_math.Lrn(F.relu(_math.Conv(conv2, x)), groups: k));
        x = F.relu(_math.Conv(conv3, x));
        x = F.relu(_math.Conv(conv4, x));
        return Tower.Pool(F.relu(_math.Conv(conv5, x))).flatten(1).MoveToOuterDisposeScope();
    }

    /// <summary>Output of fc7 after ReLU (the 4096-d feature space of the paper's Figure 4), no dropout.</summary>
    public Tensor Features(Tensor image)
    {
        using var scope = NewDisposeScope();
        var x = F.relu(_math.Linear(fc6, Pool5(image)));
        return _math.Output(F.relu(_math.Linear(fc7, x))).MoveToOuterDisposeScope();
    }
}
