using System.Collections;
using System.Globalization;
using AlexNet.Model;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace AlexNet.Actors.Inference;

/// <summary>
/// Weights of the one-process reference network in files other tools read, under the PyTorch
/// parameter names of the module in the README (conv1.weight, conv1.bias, ... fc8.bias):
/// <list type="bullet">
/// <item>.safetensors, with the model configuration in the header's metadata (alexnet.*);</item>
/// <item>.pt, a pickled PyTorch state_dict (torch.load), which has no room for the configuration.</item>
/// </list>
/// </summary>
public static class WeightFiles
{
    public const string TowersKey = "alexnet.towers", ClassesKey = "alexnet.classes", WidthKey = "alexnet.width",
        CropKey = "alexnet.crop", DropoutKey = "alexnet.dropout", InitKey = "alexnet.init-scaling";

    public static void Write(ReferenceAlexNet reference, string path)
    {
        var parameters = WeightMapping.Parameters(reference);
        switch (Kind(path))
        {
            case ".safetensors":
                SafeTensors.Write(path, parameters, Metadata(reference.Config));
                break;
            case ".pt":
                var cpu = parameters.ToDictionary(kv => kv.Key, kv => kv.Value.detach().cpu());
                try
                {
                    var temp = path + ".tmp";
                    using (var file = File.Create(temp)) PyTorchPickler.PickleStateDict(file, cpu);
                    File.Move(temp, path, overwrite: true);
                }
                finally { foreach (var t in cpu.Values) t.Dispose(); }
                break;
        }
    }

    /// <summary>The file's tensors (CPU; the caller disposes them) and its metadata (empty for .pt).</summary>
    public static (Dictionary<string, Tensor> Weights, IReadOnlyDictionary<string, string> Metadata) Read(string path)
    {
        if (!File.Exists(path)) throw new ModelInputException($"weights {path}: no such file (expected a .safetensors or .pt file written by 'alexnet export' or PyTorch)");
        try
        {
            if (Kind(path) == ".safetensors")
            {
                var weights = SafeTensors.Read(path, out var metadata);
                return (weights, metadata);
            }
            using var file = File.OpenRead(path);
            Hashtable table = PyTorchUnpickler.UnpickleStateDict(file);
            var result = new Dictionary<string, Tensor>();
            foreach (DictionaryEntry e in table)
                if (e.Value is Tensor t) result[(string)e.Key] = t;
            return (result, new Dictionary<string, string>());
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException or InvalidOperationException or ArgumentException
                                       or Razorvine.Pickle.PickleException)
        {
            throw new ModelInputException($"weights {path}: cannot be read: {e.Message.ReplaceLineEndings(" ")} (expected a .safetensors or .pt state_dict of the AlexNet module)");
        }
    }

    /// <summary>The configuration of a model, as safetensors metadata (invariant culture, round-trip numbers).</summary>
    public static Dictionary<string, string> Metadata(AlexNetConfig c) => new()
    {
        ["format"] = "pt", // the safetensors convention for "PyTorch tensors, load with safetensors.torch"
        [TowersKey] = c.Towers.ToString(CultureInfo.InvariantCulture),
        [ClassesKey] = c.Classes.ToString(CultureInfo.InvariantCulture),
        [WidthKey] = c.Width.ToString("R", CultureInfo.InvariantCulture),
        [CropKey] = c.Crop.ToString(CultureInfo.InvariantCulture),
        [DropoutKey] = c.Dropout.ToString("R", CultureInfo.InvariantCulture),
        [InitKey] = c.InitScaling.ToString(),
    };

    private static string Kind(string path)
    {
        var ext = Path.GetExtension(path).ToLowerInvariant();
        return ext is ".safetensors" or ".pt" ? ext
            : throw new ModelInputException($"weights {path}: unknown file type '{ext}' (expected .safetensors or .pt)");
    }
}
