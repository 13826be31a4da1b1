using AlexNet.Actors.Inference;
using AlexNet.Cli.Pictures;
using AlexNet.Model;

namespace AlexNet.Cli.Commands;

/// <summary>`alexnet filters`: the learned conv1 kernels as a PNG grid, one block per tower (the paper's Figure 3).</summary>
public sealed class FiltersCommand : ICommand
{
    public string Name => "filters";
    public string Summary => "draw the learned conv1 kernels as a PNG grid, one block per tower (paper Fig. 3)";
    public string Usage => """
        usage: alexnet filters --checkpoint C --out FILE.png [--scale N]
          --checkpoint C      a checkpoint folder (step-NNNNNNNNN) or a run's checkpoint folder (its newest usable one)
          --out FILE.png      the picture to write
          --scale N           pixels per kernel weight (default 4)
        Each kernel is stretched on its own to 0..255; tower blocks are stacked top to bottom.
        """;

    public int Run(CliArgs args)
    {
        var checkpointPath = args.String("checkpoint") ?? throw new UsageException("--checkpoint C is required (a checkpoint folder or a run's checkpoint folder)");
        var output = args.String("out") ?? throw new UsageException("--out FILE.png is required");
        int scale = args.Int("scale") ?? 4;
        if (scale is < 1 or > 64) throw new UsageException($"--scale {scale}: expected 1 to 64");
        args.RejectUnknown(Name);
        if (args.Positional.Count > 0) throw new UsageException($"unexpected argument '{args.Positional[0]}'");

        var (folder, manifest) = CheckpointLocator.Resolve(checkpointPath, line => Console.Error.WriteLine("note: " + line));
        var canvas = Render(folder, manifest.Model, scale);
        canvas.SavePng(output);
        Console.WriteLine($"checkpoint: {folder} (step {manifest.Step})");
        Console.WriteLine($"wrote {output}: {manifest.Model.Conv1Channels} kernels of {AlexNetConfig.Conv1Kernel}x{AlexNetConfig.Conv1Kernel}, " +
                          $"{manifest.Model.Towers} tower block(s), {canvas.Width}x{canvas.Height} pixels");
        return 0;
    }

    /// <summary>The filter picture of a checkpoint folder (also drawn into TensorBoard while training).</summary>
    public static RgbCanvas Render(string folder, AlexNetConfig model, int scale)
    {
        var (weights, shape) = CheckpointWeights.Gathered(folder, model, "conv1.weight");
        return FilterGrid.Render(weights, (int)shape[0], model.Towers, (int)shape[2], scale);
    }
}
