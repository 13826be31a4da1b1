using TorchSharp;
using static TorchSharp.torch;

namespace AlexNet.Model;

/// <summary>
/// Maps weights between the one-process reference and the towers. Every tower parameter is a
/// contiguous block of rows (output channels or units, dim 0) of the reference parameter of the
/// same name: tower t holds rows [offset(t), offset(t) + rows(t)). Grouped convolutions keep
/// their per-group input width, so no other dimension is ever cut.
/// </summary>
public static class WeightMapping
{
    /// <summary>Rows of parameter <paramref name="name"/> that tower <paramref name="tower"/> holds.</summary>
    public static (long Offset, long Rows) RowRange(AlexNetConfig config, string name, int tower)
    {
        string layer = name.Split('.')[0];
        if (layer == "fc8")
        {
            long offset = Enumerable.Range(0, tower).Sum(config.ClassesOf);
            return (offset, config.ClassesOf(tower));
        }
        long total = layer switch
        {
            "conv1" => config.Conv1Channels, "conv2" => config.Conv2Channels, "conv3" => config.Conv3Channels,
            "conv4" => config.Conv4Channels, "conv5" => config.Conv5Channels, "fc6" => config.Fc6Units, "fc7" => config.Fc7Units,
            _ => throw new ArgumentException($"unknown parameter '{name}'", nameof(name)),
        };
        long rows = total / config.Towers;
        return (rows * tower, rows);
    }

    /// <summary>Tower <paramref name="tower"/>'s parameters cut from a reference (CPU copies).</summary>
    public static Dictionary<string, Tensor> TowerSlice(ReferenceAlexNet reference, int tower)
    {
        var result = new Dictionary<string, Tensor>();
        using var scope = NewDisposeScope(); // the views and device copies; the clones are the caller's
        using var noGrad = no_grad();
        foreach (var (name, p) in reference.named_parameters())
        {
            var (offset, rows) = RowRange(reference.Config, name, tower);
            result[name] = p.narrow(0, offset, rows).to(CPU).clone().DetachFromDisposeScope();
        }
        return result;
    }

    /// <summary>Copies named tensors into a module's parameters of the same names and shapes.</summary>
    public static void Load(nn.Module module, IReadOnlyDictionary<string, Tensor> weights)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var parameters = module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, p) in parameters)
        {
            if (!weights.TryGetValue(name, out var w))
                throw new ArgumentException($"weights lack parameter '{name}'");
            if (!w.shape.SequenceEqual(p.shape))
                throw new ArgumentException($"parameter '{name}': shape [{string.Join(",", w.shape)}] given, [{string.Join(",", p.shape)}] expected");
            p.copy_(w);
        }
        foreach (var name in weights.Keys.Where(n => !parameters.ContainsKey(n)))
            throw new ArgumentException($"unexpected parameter '{name}'");
    }

    /// <summary>Writes the towers' parameters (any devices) back into the reference's full tensors.</summary>
    public static void Gather(IReadOnlyList<IReadOnlyDictionary<string, Tensor>> towers, ReferenceAlexNet reference)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (name, p) in reference.named_parameters())
            for (int t = 0; t < towers.Count; t++)
            {
                var (offset, rows) = RowRange(reference.Config, name, t);
                using var view = p.narrow(0, offset, rows);
                if (!towers[t].TryGetValue(name, out var block))
                    throw new ArgumentException($"tower {t} lacks parameter '{name}'");
                if (!block.shape.SequenceEqual(view.shape))
                    throw new ArgumentException($"tower {t}'s '{name}' has shape [{string.Join(",", block.shape)}], the model needs [{string.Join(",", view.shape)}]");
                view.copy_(block);
            }
    }

    public static Dictionary<string, Tensor> Parameters(nn.Module module) =>
        module.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
}
