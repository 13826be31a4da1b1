using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace AlexNet.Model;

/// <summary>
/// The layers of <see cref="Tower"/> and <see cref="ReferenceAlexNet"/> under a <see cref="ComputeOptions"/>:
/// <list type="bullet">
/// <item>default options: each module's own forward, so the fp32 NCHW path is the code it always was;</item>
/// <item>reduced precision: convolutions and linear layers read their input and a per-step cast of
///   the fp32 master weights in bf16/fp16 (the cast's backward carries the gradient to the fp32
///   master), and their output stays in that type through ReLU and pooling, as autocast would keep it;</item>
/// <item>channels-last: convolution inputs and weights are viewed in NHWC. Weights are converted per
///   step rather than stored so, so checkpoints, snapshots and the wire keep seeing plain
///   contiguous tensors; the paper's conv weights are 2.3 M values, a small copy beside one batch;</item>
/// <item>LRN always computes in fp32: its sum of squares overflows fp16 for activations above ~110;</item>
/// <item>what leaves a segment (<see cref="Output"/>) is fp32 and NCHW-contiguous, so the coordinator,
///   the wire, the loss and the gradients sent back are exactly what they are without the options.
///   Casting a bf16/fp16 value up is exact, so this changes no forward value.</item>
/// </list>
/// </summary>
public sealed class LayerMath(ComputeOptions options)
{
    private readonly ScalarType? _reduced = options.Precision.ReducedType();
    private readonly bool _channelsLast = options.MemoryFormat == MemoryFormat.ChannelsLast;

    public ComputeOptions Options { get; } = options;

    public Tensor Conv(Conv2d conv, Tensor x)
    {
        if (Options.IsDefaultMath) return conv.forward(x);
        using var scope = NewDisposeScope();
        var input = Layout(Cast(x));
        var weight = Layout(Cast(conv.weight));
        var bias = conv.bias is { } b ? Cast(b) : null;
        return F.conv2d(input, weight, bias, conv.stride, conv.padding, conv.dilation, conv.groups).MoveToOuterDisposeScope();
    }

    public Tensor Linear(Linear fc, Tensor x)
    {
        if (_reduced is null) return fc.forward(x); // 2-D: the memory format does not apply
        using var scope = NewDisposeScope();
        return F.linear(Cast(x), Cast(fc.weight), fc.bias is { } b ? Cast(b) : null).MoveToOuterDisposeScope();
    }

    /// <summary>The paper's LRN, in fp32 whatever the precision; the result is back in the input's type.</summary>
    public Tensor Lrn(Tensor x, int groups = 1)
    {
        if (_reduced is null || x.dtype == ScalarType.Float32) return PaperLrn.Apply(x, groups);
        using var scope = NewDisposeScope();
        var y = PaperLrn.Apply(x.to_type(ScalarType.Float32), groups);
        return y.to_type(x.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>A segment's result as it leaves the tower (or the reference's logits): fp32, NCHW-contiguous.</summary>
    public Tensor Output(Tensor x)
    {
        if (Options.IsDefaultMath) return x;
        using var scope = NewDisposeScope();
        var y = x.dtype == ScalarType.Float32 ? x : x.to_type(ScalarType.Float32);
        if (!y.is_contiguous()) y = y.contiguous();
        return ReferenceEquals(y, x) ? x : y.MoveToOuterDisposeScope();
    }

    private Tensor Cast(Tensor t) => _reduced is { } type && t.dtype != type ? t.to_type(type) : t;

    private Tensor Layout(Tensor t) => _channelsLast ? t.ToChannelsLast() : t;
}
