using AlexNet.Data;

namespace AlexNet.Cli.Commands;

/// <summary>`alexnet import fashion-mnist [IDX_DIR] OUT`: a dataset in another format to the ImageNet layout.</summary>
public sealed class ImportCommand : ICommand
{
    public string Name => "import";
    public string Summary => "convert Fashion-MNIST's IDX files to the ImageNet folder layout (train/, val/, test/)";
    public string Usage => $"""
        usage: alexnet import fashion-mnist [IDX_DIR] OUT [--validation-fraction 0.1] [--seed 0] [--limit N] [--workers N]
          IDX_DIR                  folder of the four IDX files, gzipped or not (default {FashionMnistImporter.DefaultDirectory},
                                   from Debian's dataset-fashion-mnist)
          OUT                      new folder: OUT/train/<class>/NNNNN.png, OUT/val/..., OUT/test/...
          --validation-fraction F  share of each training class held out as OUT/val (default 0.1; 0 for none)
          --seed N                 which images are held out (default 0)
          --limit N                only the first N images of each file (quick runs)
          --workers N              parallel PNG writers (default: every core)
        OUT/val is for tuning; OUT/test is the official t10k test set: report on it, never tune on it.
        Class folders are 0_T-shirt_top ... 9_Ankle_boot, so sorted folder order is the label order.
        """;

    public int Run(CliArgs args)
    {
        var importer = new FashionMnistImporter
        {
            ValidationFraction = args.Double("validation-fraction") ?? 0.1,
            Seed = args.Long("seed") ?? 0,
            Limit = args.Int("limit"),
            Workers = args.Int("workers") ?? Environment.ProcessorCount,
        };
        args.RejectUnknown(Name);
        var p = args.Positional;
        if (p.Count == 0) throw new UsageException("expected a dataset name: fashion-mnist");
        if (p[0] != "fashion-mnist") throw new UsageException($"unknown dataset '{p[0]}' (known: fashion-mnist)");
        if (p.Count is < 2 or > 3) throw new UsageException("expected [IDX_DIR] OUT after fashion-mnist");
        string idx = p.Count == 3 ? p[1] : FashionMnistImporter.DefaultDirectory, output = p[^1];
        var result = importer.Run(idx, output);
        Console.WriteLine($"{output}: train {result.Train}, val {result.Validation}, test {result.Test} images in {result.Classes.Count} classes");
        Console.WriteLine($"next: alexnet prepare {output} PREPARED --size 72");
        return 0;
    }
}
