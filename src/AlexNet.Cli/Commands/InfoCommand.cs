using AlexNet.Model;

namespace AlexNet.Cli.Commands;

/// <summary>`alexnet info`: every layer's output shape and parameter count per tower.</summary>
public sealed class InfoCommand : ICommand
{
    public string Name => "info";
    public string Summary => "print each layer's shape and parameter count per tower, and the total";
    public string Usage => """
        usage: alexnet info [--towers K] [--classes N] [--width W] [--crop S]
          --towers K    towers the network is split over (default 2, the paper)
          --classes N   output classes (default 1000)
          --width W     channel width multiplier (default 1.0, the paper)
          --crop S      input crop side (default 224)
        Ends with the line 'parameters: N' (60965224 for the paper's configuration).
        """;

    public int Run(CliArgs args)
    {
        var paper = AlexNetConfig.Paper;
        var config = new AlexNetConfig
        {
            Towers = args.Int("towers") ?? paper.Towers,
            Classes = args.Int("classes") ?? paper.Classes,
            Width = args.Double("width") ?? paper.Width,
            Crop = args.Int("crop") ?? paper.Crop,
        };
        args.RejectUnknown(Name);
        if (args.Positional.Count > 0) throw new UsageException($"unexpected argument '{args.Positional[0]}'");
        Console.WriteLine(ModelSummary.Render(config.Validate()));
        return 0;
    }
}
