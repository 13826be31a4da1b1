using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace AlexNet.Model;

/// <summary>
/// One tower: 1/K of every layer's output channels of the paper's network. conv1, conv2, conv4
/// and conv5 read only this tower's maps; conv3, fc6, fc7 and fc8 read the full input gathered
/// from every tower. Parameter names match <see cref="ReferenceAlexNet"/>, and each tower
/// parameter is a block of rows (dim 0) of the reference parameter of the same name.
/// </summary>
public sealed class Tower : nn.Module
{
    public AlexNetConfig Config { get; }
    public int Index { get; }

    private readonly Conv2d conv1, conv2, conv3, conv4, conv5;
    private readonly Linear fc6, fc7, fc8;
    private readonly LayerMath _math;

    public ComputeOptions Compute => _math.Options;

    /// <param name="compute">Precision and memory format of the layers; null: fp32, contiguous.</param>
    public Tower(AlexNetConfig config, int index, Device? device = null, ComputeOptions? compute = null) : base($"tower{index}")
    {
        Config = config.Validate();
        _math = new LayerMath((compute ?? ComputeOptions.Default).Validate());
        if (index < 0 || index >= config.Towers) throw new ArgumentOutOfRangeException(nameof(index));
        Index = index;
        int k = config.Towers;
        conv1 = nn.Conv2d(AlexNetConfig.InputChannels, config.Conv1Channels / k, AlexNetConfig.Conv1Kernel,
            stride: AlexNetConfig.Conv1Stride, padding: AlexNetConfig.Conv1Padding);
        conv2 = nn.Conv2d(config.Conv1Channels / k, config.Conv2Channels / k, AlexNetConfig.Conv2Kernel, padding: AlexNetConfig.Conv2Padding);
        conv3 = nn.Conv2d(config.Conv2Channels, config.Conv3Channels / k, AlexNetConfig.Conv345Kernel, padding: AlexNetConfig.Conv345Padding);
        conv4 = nn.Conv2d(config.Conv3Channels / k, config.Conv4Channels / k, AlexNetConfig.Conv345Kernel, padding: AlexNetConfig.Conv345Padding);
        conv5 = nn.Conv2d(config.Conv4Channels / k, config.Conv5Channels / k, AlexNetConfig.Conv345Kernel, padding: AlexNetConfig.Conv345Padding);
        fc6 = nn.Linear(config.Fc6Inputs, config.Fc6Units / k);
        fc7 = nn.Linear(config.Fc6Units, config.Fc7Units / k);
        fc8 = nn.Linear(config.Fc7Units, config.ClassesOf(index));
        RegisterComponents();
        if (device is not null && device.type != DeviceType.CPU) this.to(device);
    }

    /// <summary>
    /// Runs one segment. <paramref name="input"/> is the image batch for <see cref="Segment.Stem"/>
    /// and the full gathered output of the previous segment otherwise. <paramref name="dropoutMask"/>
    /// (fc6/fc7 only) scales this tower's units; null means no dropout (evaluation). The result is
    /// fp32 and NCHW-contiguous whatever <see cref="Compute"/> says (see <see cref="LayerMath"/>).
    /// </summary>
    public Tensor Forward(Segment segment, Tensor input, Tensor? dropoutMask = null)
    {
        using var scope = NewDisposeScope();
        var output = segment switch
        {
            Segment.Stem => Stem(input),
            Segment.Trunk => Trunk(input),
            Segment.Fc6 => Dropout(F.relu(_math.Linear(fc6, input)), dropoutMask),
            Segment.Fc7 => Dropout(F.relu(_math.Linear(fc7, input)), dropoutMask),
            Segment.Fc8 => _math.Linear(fc8, input),
            _ => throw new ArgumentOutOfRangeException(nameof(segment)),
        };
        return _math.Output(output).MoveToOuterDisposeScope();
    }

    private Tensor Stem(Tensor image)
    {
        var x = Pool(_math.Lrn(F.relu(_math.Conv(conv1, image))));
        return Pool(_math.Lrn(F.relu(_math.Conv(conv2, x))));
    }

    private Tensor Trunk(Tensor conv2Full)
    {
        var x = F.relu(_math.Conv(conv3, conv2Full));
        x = F.relu(_math.Conv(conv4, x));
        x = Pool(F.relu(_math.Conv(conv5, x)));
        return x.flatten(1);
    }

    internal static Tensor Pool(Tensor x) => F.max_pool2d(x, AlexNetConfig.PoolKernel, AlexNetConfig.PoolStride);

    internal static Tensor Dropout(Tensor x, Tensor? mask)
    {
        if (mask is null) return x;
        using (x) return x.mul(mask);
    }
}
