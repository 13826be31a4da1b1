using System.Text.Json;
using AlexNet.Actors.Inference;
using AlexNet.Data;

namespace AlexNet.Cli.Commands;

/// <summary>`alexnet eval`: top-1/top-5 error of a checkpoint on a prepared split, centre crop and the paper's ten views.</summary>
public sealed class EvalCommand : ICommand
{
    public string Name => "eval";
    public string Summary => "top-1/top-5 error of a checkpoint: centre crop and the paper's 10-crop average";
    public IReadOnlyCollection<string> Flags => new[] { "ten-crop", "json" };
    public string Usage => "usage: alexnet eval --checkpoint C --data D [options]\n" + CheckpointOptions.Help + "\n" + """
          --data D            a folder prepared by 'alexnet prepare'
          --split S           val (default) or test
          --ten-crop          also the paper's test: mean softmax of 4 corner + centre crops and their mirror images
          --batch N           images per forward pass (default 128; each is run 10 times with --ten-crop)
          --limit N           only the first N images of the split
          --json              one JSON object on stdout instead of text
        """;

    public int Run(CliArgs args)
    {
        var where = CheckpointOptions.Read(args);
        var dataRoot = args.String("data") ?? throw new UsageException("--data D is required (a folder prepared by 'alexnet prepare')");
        var split = args.String("split") ?? "val";
        if (split is not ("val" or "test" or "train")) throw new UsageException($"--split {split}: expected val or test (or train)");
        bool tenCrop = args.Flag("ten-crop"), json = args.Flag("json");
        int batch = args.Int("batch") ?? 128;
        if (batch < 1) throw new UsageException($"--batch {batch}: expected at least 1");
        int? limit = args.Int("limit");
        if (limit < 1) throw new UsageException($"--limit {limit}: expected at least 1 image");
        args.RejectUnknown(Name);
        if (args.Positional.Count > 0) throw new UsageException($"unexpected argument '{args.Positional[0]}'");

        using var data = PreparedSplit.Open(dataRoot, split);
        var statistics = PreparedSplit.Statistics(dataRoot);
        using var checkpoint = CheckpointOptions.Open(where);
        CheckpointLocator.CheckAgainstData(checkpoint.Model, checkpoint.Folder, data.ClassNames.Count, data.ImageSide, $"--data {dataRoot}");
        IImageDataset images = limit is { } n && n < data.Count ? InMemoryDataset.Snapshot(data, n) : data;
        if (!json)
        {
            Console.WriteLine(CheckpointOptions.Describe(checkpoint));
            Console.WriteLine($"data: {data.Directory} ({images.Count} images, {data.ClassNames.Count} classes, {data.ImageSide}x{data.ImageSide})");
        }
        using var classifier = new ImageClassifier(checkpoint.Network, checkpoint.Device, statistics);
        var result = SplitEvaluator.Evaluate(classifier, images, batch, tenCrop);
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                checkpoint = checkpoint.Folder,
                step = checkpoint.Manifest.Step,
                data = data.Directory,
                split,
                images = result.Images,
                device = checkpoint.Device.ToString(),
                centre = new { top1Error = result.Centre.Top1, top5Error = result.Centre.Top5, loss = result.CentreLoss },
                tenCrop = result.TenCrop is { } t ? new { top1Error = t.Top1, top5Error = t.Top5 } : null,
                seconds = result.Elapsed.TotalSeconds,
            }));
            return 0;
        }
        Console.WriteLine($"centre crop:  top-1 error {result.Centre.Top1:P2}  top-5 error {result.Centre.Top5:P2}  loss {result.CentreLoss:F4}");
        if (result.TenCrop is { } ten) Console.WriteLine($"10-crop:      top-1 error {ten.Top1:P2}  top-5 error {ten.Top5:P2}");
        Console.WriteLine($"{result.Images} images in {TrainingConsole.Format(result.Elapsed)} ({result.ImagesPerSecond:F1} images/s{(tenCrop ? ", 10 views each" : "")}) on {checkpoint.Device}");
        return 0;
    }
}
