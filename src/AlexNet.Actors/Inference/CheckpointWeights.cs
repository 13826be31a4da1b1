using AlexNet.Actors.Checkpoints;
using AlexNet.Model;
using static TorchSharp.torch;

namespace AlexNet.Actors.Inference;

/// <summary>
/// Reads a checkpoint's tower shards. Each shard holds "param/NAME" (the tower's block of rows of
/// the reference parameter NAME) and "momentum/NAME"; this gathers the parameters into one
/// <see cref="ReferenceAlexNet"/>, which computes what the towers compute together.
/// </summary>
public static class CheckpointWeights
{
    public const string ParamPrefix = "param/", MomentumPrefix = "momentum/";

    /// <summary>The reference network (evaluation mode) with the checkpoint's weights, on <paramref name="device"/>.</summary>
    public static ReferenceAlexNet LoadReference(string folder, CheckpointManifest manifest, Device device)
    {
        var towers = new List<IReadOnlyDictionary<string, Tensor>>();
        var reference = new ReferenceAlexNet(manifest.Model, device);
        try
        {
            for (int t = 0; t < manifest.Model.Towers; t++) towers.Add(TowerParameters(folder, t));
            WeightMapping.Gather(towers, reference);
            reference.eval();
            return reference;
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or IOException)
        {
            reference.Dispose();
            throw new ModelInputException($"checkpoint {folder}: {e.Message} (expected shards of the model {manifest.Model})");
        }
        finally
        {
            foreach (var tower in towers) foreach (var t in tower.Values) t.Dispose();
        }
    }

    /// <summary>The parameters of one tower shard, names without the prefix (CPU; the caller disposes them).</summary>
    public static Dictionary<string, Tensor> TowerParameters(string folder, int tower)
    {
        var path = Path.Combine(folder, CheckpointManifest.TowerFile(tower));
        var all = SafeTensors.Read(path);
        foreach (var (name, t) in all.Where(kv => !kv.Key.StartsWith(ParamPrefix, StringComparison.Ordinal))) t.Dispose();
        return all.Where(kv => kv.Key.StartsWith(ParamPrefix, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[ParamPrefix.Length..], kv => kv.Value);
    }

    /// <summary>
    /// One reference parameter gathered from every tower's shard, as row-major floats with its
    /// shape, without building the network (e.g. conv1.weight for the filter picture).
    /// </summary>
    public static (float[] Values, long[] Shape) Gathered(string folder, AlexNetConfig model, string name)
    {
        var blocks = new List<float[]>();
        long[]? shape = null;
        for (int t = 0; t < model.Towers; t++)
        {
            var path = Path.Combine(folder, CheckpointManifest.TowerFile(t));
            var all = SafeTensors.Read(path);
            try
            {
                if (!all.TryGetValue(ParamPrefix + name, out var block))
                    throw new ModelInputException($"checkpoint shard {path}: no tensor '{ParamPrefix + name}' (expected a tower shard of this model)");
                blocks.Add(block.data<float>().ToArray());
                shape = shape is null ? block.shape : shape.Select((d, i) => i == 0 ? d + block.shape[0] : d).ToArray();
            }
            finally { foreach (var x in all.Values) x.Dispose(); }
        }
        return (blocks.SelectMany(b => b).ToArray(), shape!);
    }
}
