using TorchSharp;
using static TorchSharp.torch;

namespace AlexNet.Model;

/// <summary>
/// The paper's initialisation: every weight from N(0, 0.01²); biases 1 in conv2, conv4, conv5,
/// fc6 and fc7 (so early ReLUs get positive inputs), 0 in conv1, conv3 and fc8. For other widths,
/// crops or tower counts σ follows <see cref="AlexNetConfig.InitScaling"/> (0.01 at the paper's size).
/// Drawn on the CPU from one seeded generator in parameter-name order, so the same seed gives
/// the same network on any device and for any way of splitting it into towers.
/// </summary>
public static class PaperInit
{
    public const double WeightStd = 0.01;
    private static readonly HashSet<string> OneBiasLayers = new() { "conv2", "conv4", "conv5", "fc6", "fc7" };

    public static double BiasValue(string parameterName) =>
        OneBiasLayers.Contains(parameterName.Split('.')[0]) ? 1.0 : 0.0;

    /// <summary>Fan-in (inputs per output unit) of each layer in the paper's two-tower network.</summary>
    private static readonly Dictionary<string, long> PaperFanIn = new()
    {
        ["conv1"] = 3 * 11 * 11, ["conv2"] = 48 * 5 * 5, ["conv3"] = 256 * 3 * 3, ["conv4"] = 192 * 3 * 3,
        ["conv5"] = 192 * 3 * 3, ["fc6"] = 9216, ["fc7"] = 4096, ["fc8"] = 4096,
    };

    /// <summary>σ of the weight draw of a parameter with this name and shape.</summary>
    public static double WeightStdFor(AlexNetConfig config, string name, long[] shape)
    {
        if (config.InitScaling == InitScaling.Paper) return WeightStd;
        long fanIn = shape.Skip(1).Aggregate(1L, (a, b) => a * b);
        return WeightStd * Math.Sqrt((double)PaperFanIn[name.Split('.')[0]] / fanIn);
    }

    public static void Initialize(ReferenceAlexNet reference, long seed)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)seed, CPU);
        using var noGrad = no_grad();
        foreach (var (name, p) in reference.named_parameters().OrderBy(n => n.name, StringComparer.Ordinal))
        {
            if (name.EndsWith(".weight", StringComparison.Ordinal))
            {
                using var draw = empty(p.shape, ScalarType.Float32, CPU).normal_(0, WeightStdFor(reference.Config, name, p.shape), generator);
                p.copy_(draw);
            }
            else
            {
                using Scalar bias = BiasValue(name); // held for the call (see Scalars)
                p.fill_(bias);
            }
        }
    }

    /// <summary>Initial weights of every tower for a run with this seed (CPU tensors, caller disposes).</summary>
    public static Dictionary<string, Tensor>[] TowerWeights(AlexNetConfig config, long seed)
    {
        using var reference = new ReferenceAlexNet(config);
        Initialize(reference, seed);
        return Enumerable.Range(0, config.Towers).Select(t => WeightMapping.TowerSlice(reference, t)).ToArray();
    }
}
