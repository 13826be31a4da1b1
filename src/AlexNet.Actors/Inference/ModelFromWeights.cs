using System.Globalization;
using AlexNet.Model;
using static TorchSharp.torch;

namespace AlexNet.Actors.Inference;

/// <summary>
/// The model configuration that a set of reference weights belongs to: from the file's metadata
/// where it has it, from explicit settings, and from the tensors' shapes (towers = conv1 rows ÷
/// conv2's per-group inputs, classes = fc8 rows, width = conv1 rows ÷ 96). The crop cannot be read
/// off the shapes (several crops give the same fc6 input), so it must come from metadata or the caller.
/// </summary>
public static class ModelFromWeights
{
    public sealed record Overrides(int? Towers = null, double? Width = null, int? Crop = null);

    public static AlexNetConfig Infer(string source, IReadOnlyDictionary<string, Tensor> weights, IReadOnlyDictionary<string, string> metadata, Overrides given)
    {
        Tensor Need(string name) => weights.TryGetValue(name, out var t) ? t
            : throw new ModelInputException($"weights {source}: no tensor '{name}' (expected the AlexNet parameter names conv1.weight ... fc8.bias)");
        var conv1 = Need("conv1.weight");
        var conv2 = Need("conv2.weight");
        var fc8 = Need("fc8.weight");
        if (conv1.dim() != 4 || conv2.dim() != 4 || fc8.dim() != 2)
            throw new ModelInputException($"weights {source}: conv1.weight, conv2.weight and fc8.weight have the wrong number of dimensions (expected 4, 4 and 2)");

        int towersFromShapes = conv2.shape[1] > 0 && conv1.shape[0] % conv2.shape[1] == 0 ? (int)(conv1.shape[0] / conv2.shape[1]) : 0;
        int towers = given.Towers ?? Int(metadata, WeightFiles.TowersKey) ?? towersFromShapes;
        if (towers != towersFromShapes)
            throw new ModelInputException($"weights {source}: made for {towersFromShapes} tower(s) (conv2 reads {conv2.shape[1]} of conv1's {conv1.shape[0]} maps per group), not {towers} (expected --towers {towersFromShapes}: the towers fix the grouping of conv2, conv4 and conv5)");
        var crop = given.Crop ?? Int(metadata, WeightFiles.CropKey)
            ?? throw new ModelInputException($"weights {source}: the input crop size is not recorded in the file (expected --crop S, e.g. --crop 224)");
        var config = new AlexNetConfig
        {
            Towers = towers,
            Classes = (int)fc8.shape[0],
            Width = given.Width ?? Double(metadata, WeightFiles.WidthKey) ?? conv1.shape[0] / 96.0,
            Crop = crop,
            Dropout = Double(metadata, WeightFiles.DropoutKey) ?? AlexNetConfig.Paper.Dropout,
            InitScaling = metadata.TryGetValue(WeightFiles.InitKey, out var init) && Enum.TryParse<InitScaling>(init, out var s) ? s : AlexNetConfig.Paper.InitScaling,
        };
        try { return config.Validate(); }
        catch (InvalidModelConfigException e) { throw new ModelInputException($"weights {source}: {e.Message}"); }
    }

    /// <summary>The reference network holding <paramref name="weights"/>; throws naming the first parameter that does not fit.</summary>
    public static ReferenceAlexNet Build(string source, AlexNetConfig config, IReadOnlyDictionary<string, Tensor> weights)
    {
        var reference = new ReferenceAlexNet(config);
        try
        {
            WeightMapping.Load(reference, weights);
            reference.eval();
            return reference;
        }
        catch (ArgumentException e)
        {
            reference.Dispose();
            throw new ModelInputException($"weights {source}: {e.Message} (for the model {config})");
        }
    }

    private static int? Int(IReadOnlyDictionary<string, string> m, string key) =>
        m.TryGetValue(key, out var v) && int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : null;

    private static double? Double(IReadOnlyDictionary<string, string> m, string key) =>
        m.TryGetValue(key, out var v) && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;
}
