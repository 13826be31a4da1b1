using static TorchSharp.torch;

namespace AlexNet.Model;

/// <summary>
/// The paper's initialisation: every weight from N(0, 0.01²); biases 1 in conv2, conv4, conv5,
/// fc6 and fc7 (so early ReLUs get positive inputs), 0 in conv1, conv3 and fc8.
/// Drawn on the CPU from one seeded generator in parameter-name order, so the same seed gives
/// the same network on any device and for any way of splitting it into towers.
/// </summary>
public static class PaperInit
{
    public const double WeightStd = 0.01;
    private static readonly HashSet<string> OneBiasLayers = new() { "conv2", "conv4", "conv5", "fc6", "fc7" };

    public static double BiasValue(string parameterName) =>
        OneBiasLayers.Contains(parameterName.Split('.')[0]) ? 1.0 : 0.0;

    public static void Initialize(nn.Module reference, long seed)
    {
        using var generator = new Generator((ulong)seed, CPU);
        using var noGrad = no_grad();
        foreach (var (name, p) in reference.named_parameters().OrderBy(n => n.name, StringComparer.Ordinal))
        {
            if (name.EndsWith(".weight", StringComparison.Ordinal))
            {
                using var draw = empty(p.shape, ScalarType.Float32, CPU).normal_(0, WeightStd, generator);
                p.copy_(draw);
            }
            else p.fill_(BiasValue(name));
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
