using AlexNet.Actors.Inference;

namespace AlexNet.Cli.Commands;

/// <summary>`alexnet import-weights`: PyTorch-named weights back into a training checkpoint.</summary>
public sealed class ImportWeightsCommand : ICommand
{
    public string Name => "import-weights";
    public string Summary => "turn exported (.safetensors/.pt) weights into a checkpoint that eval and train use";
    public string Usage => """
        usage: alexnet import-weights --from FILE --out DIR [options]
          --from FILE         .safetensors or .pt with the README module's parameter names
          --out DIR           a new (or empty) checkpoint folder; DIR/step-000000000 is written
          --towers K          towers (default: from the file; must match conv2's grouping)
          --crop S            input crop (default: from the file's metadata; needed for a .pt)
          --width W           width multiplier (default: from the metadata, else conv1 rows / 96)
          --seed N            the seed a run continuing from this checkpoint must use (default 1)
          --data D            a prepared dataset whose statistics.bin and classes.txt to copy beside the checkpoint (for predict)
        """;

    public int Run(CliArgs args)
    {
        var from = args.String("from") ?? throw new UsageException("--from FILE is required (.safetensors or .pt)");
        var output = args.String("out") ?? throw new UsageException("--out DIR is required (a new checkpoint folder)");
        var overrides = new ModelFromWeights.Overrides(args.Int("towers"), args.Double("width"), args.Int("crop"));
        long seed = args.Long("seed") ?? 1;
        var data = args.String("data");
        args.RejectUnknown(Name);
        if (args.Positional.Count > 0) throw new UsageException($"unexpected argument '{args.Positional[0]}'");

        var (weights, metadata) = WeightFiles.Read(from);
        try
        {
            var config = ModelFromWeights.Infer(from, weights, metadata, overrides);
            using var reference = ModelFromWeights.Build(from, config, weights);
            if (data is not null)
            {
                var assets = DatasetAssets.Locate(output, data);
                if (assets.ClassNames.Count != config.Classes)
                    throw new ModelInputException($"--data {data}: {assets.ClassNames.Count} classes, but the weights have {config.Classes} (expected the dataset the weights were trained on)");
            }
            var folder = CheckpointFromWeights.Write(reference, output, seed, from);
            if (data is not null) CopyAssets(data, output);
            Console.WriteLine($"model: {config}");
            Console.WriteLine($"wrote checkpoint {folder} ({config.Towers} tower shard(s), zero momentum, seed {seed})");
            return 0;
        }
        finally { foreach (var t in weights.Values) t.Dispose(); }
    }

    private static void CopyAssets(string data, string output)
    {
        foreach (var name in new[] { DatasetAssets.StatisticsFile, DatasetAssets.ClassesFile })
            File.Copy(Path.Combine(data, name), Path.Combine(output, name), overwrite: true);
    }
}
