using AlexNet.Data;

namespace AlexNet.Cli.Commands;

/// <summary>
/// `alexnet import fashion-mnist [IDX_DIR] OUT`: a dataset in another format to the ImageNet layout;
/// `alexnet import imagenet-val FLAT_DIR LABELS OUT`: ImageNet's flat validation folder into class folders.
/// </summary>
public sealed class ImportCommand : ICommand
{
    public string Name => "import";
    public string Summary => "convert Fashion-MNIST's IDX files, or ImageNet's flat validation folder, to the ImageNet folder layout";
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

        usage: alexnet import imagenet-val FLAT_DIR LABELS OUT [--link hard|symbolic|copy] [--classes TRAIN_DIR]
          FLAT_DIR                 the validation images in one folder (ILSVRC2012_val_00000001.JPEG ...)
          LABELS                   their classes: the folder of ILSVRC bounding-box files (ILSVRC2012_bbox_val_v3.tgz,
                                   one NAME.xml per image), LOC_val_solution.csv, or a text file of 'NAME CLASS' lines
          OUT                      the class folders go here: OUT/<class>/<file>; usually ROOT/val beside ROOT/train
          --link MODE              hard (default: no space used; copies when OUT is on another file system),
                                   symbolic (absolute links: FLAT_DIR must stay) or copy
          --classes TRAIN_DIR      refuse a class that is not a folder of TRAIN_DIR (default: OUT's sibling train/, if any)
        Every labelled image must be in FLAT_DIR; run it again after an interruption to finish.
        """;

    public int Run(CliArgs args)
    {
        if (args.Positional.Count > 0 && args.Positional[0] == "imagenet-val") return SortValidation(args);
        var importer = new FashionMnistImporter
        {
            ValidationFraction = args.Double("validation-fraction") ?? 0.1,
            Seed = args.Long("seed") ?? 0,
            Limit = args.Int("limit"),
            Workers = args.Int("workers") ?? Environment.ProcessorCount,
        };
        args.RejectUnknown(Name);
        var p = args.Positional;
        if (p.Count == 0) throw new UsageException("expected a dataset name: fashion-mnist or imagenet-val");
        if (p[0] != "fashion-mnist") throw new UsageException($"unknown dataset '{p[0]}' (known: fashion-mnist, imagenet-val)");
        if (p.Count is < 2 or > 3) throw new UsageException("expected [IDX_DIR] OUT after fashion-mnist");
        string idx = p.Count == 3 ? p[1] : FashionMnistImporter.DefaultDirectory, output = p[^1];
        var result = importer.Run(idx, output);
        Console.WriteLine($"{output}: train {result.Train}, val {result.Validation}, test {result.Test} images in {result.Classes.Count} classes");
        Console.WriteLine($"next: alexnet prepare {output} PREPARED --size 72");
        return 0;
    }

    private int SortValidation(CliArgs args)
    {
        var mode = args.String("link") switch
        {
            null or "hard" => PlaceMode.HardLink,
            "symbolic" => PlaceMode.SymbolicLink,
            "copy" => PlaceMode.Copy,
            var other => throw new UsageException($"option --link: '{other}' is not hard, symbolic or copy"),
        };
        string? classesFrom = args.String("classes");
        args.RejectUnknown(Name);
        var p = args.Positional;
        if (p.Count != 4) throw new UsageException("expected FLAT_DIR LABELS OUT after imagenet-val");
        string flat = p[1], labelsPath = p[2], output = p[3];
        string siblingTrain = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(output).TrimEnd('/')) ?? "/", "train");
        if (classesFrom is null && Directory.Exists(siblingTrain)) classesFrom = siblingTrain;
        var sorter = new FlatFolderSorter
        {
            Mode = mode,
            KnownClasses = classesFrom is null ? null : ImageFolderLayout.ClassNames(classesFrom).ToHashSet(StringComparer.Ordinal),
        };
        FlatFolderSort result;
        try { result = sorter.Run(flat, ValidationLabels.Read(labelsPath), output); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException($"{output}: cannot place the images there ({e.Message})", e);
        }
        string how = result.Mode switch { PlaceMode.HardLink => "hard links", PlaceMode.SymbolicLink => "symbolic links", _ => "copies" };
        Console.WriteLine($"{output}: {result.Placed + result.AlreadyThere} images in {result.Classes} class folders ({result.Placed} new {how}, {result.AlreadyThere} already there)");
        if (classesFrom is not null) Console.WriteLine($"classes checked against {classesFrom}");
        if (result.Unlabelled.Count > 0)
            Console.WriteLine($"left out, no label: {result.Unlabelled.Count} image(s) of {flat} (first: {string.Join(", ", result.Unlabelled.Take(3))})");
        Console.WriteLine($"next: alexnet prepare {Path.GetDirectoryName(Path.GetFullPath(output).TrimEnd('/'))} PREPARED");
        return 0;
    }
}
