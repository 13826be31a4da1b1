using System.Text.Json;
using AlexNet.Actors.Inference;
using AlexNet.Data;

namespace AlexNet.Cli.Commands;

/// <summary>`alexnet predict`: the most probable classes of arbitrary image files.</summary>
public sealed class PredictCommand : ICommand
{
    public string Name => "predict";
    public string Summary => "top-5 classes with probabilities for image files";
    public IReadOnlyCollection<string> Flags => new[] { "ten-crop", "json" };
    public string Usage => "usage: alexnet predict --checkpoint C [options] IMAGE...\n" + CheckpointOptions.Help + "\n" + """
          --data D            take the mean image and class names from this prepared dataset (default: the copies
                              'alexnet train' keeps beside the checkpoints: statistics.bin, classes.txt)
          --top K             classes to show per image (default 5)
          --ten-crop          average the softmax of the paper's ten views (default: the centre crop)
          --json              one JSON object per image, one per line
        Each image is converted as 'alexnet prepare' converts training images (shorter side to the stored
        size, centre square), then its centre crop of the model's size is classified.
        """;

    public int Run(CliArgs args)
    {
        var where = CheckpointOptions.Read(args);
        var data = args.String("data");
        int top = args.Int("top") ?? 5;
        if (top < 1) throw new UsageException($"--top {top}: expected at least 1");
        bool tenCrop = args.Flag("ten-crop"), json = args.Flag("json");
        args.RejectUnknown(Name);
        var files = args.Positional;
        if (files.Count == 0) throw new UsageException("no IMAGE given (expected one or more image files)");

        using var checkpoint = CheckpointOptions.Open(where);
        var assets = DatasetAssets.Locate(checkpoint.Folder, data);
        if (assets.ClassNames.Count != checkpoint.Model.Classes)
            throw new ModelInputException($"{assets.From}: {assets.ClassNames.Count} class names, but checkpoint {checkpoint.Folder} has {checkpoint.Model.Classes} classes (expected the dataset it was trained on)");
        CheckpointLocator.CheckAgainstData(checkpoint.Model, checkpoint.Folder, assets.ClassNames.Count, assets.Statistics.Side, assets.From);
        var images = ImageFiles.Load(files, assets.Statistics.Side, assets.ClassNames);
        using var classifier = new ImageClassifier(checkpoint.Network, checkpoint.Device, assets.Statistics);
        var samples = Enumerable.Range(0, images.Count).ToArray();
        float[] probabilities;
        int classes = checkpoint.Model.Classes;
        using (var p = tenCrop ? classifier.TenCropProbabilities(images, samples) : classifier.Probabilities(images, samples, BatchView.Centre))
            probabilities = p.cpu().data<float>().ToArray();

        if (!json) Console.WriteLine(CheckpointOptions.Describe(checkpoint));
        for (int i = 0; i < files.Count; i++)
        {
            var best = Enumerable.Range(0, classes).Select(c => (Class: c, P: probabilities[i * classes + c]))
                .OrderByDescending(x => x.P).ThenBy(x => x.Class).Take(top).ToArray();
            if (json)
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    image = files[i],
                    top = best.Select(b => new { label = b.Class, name = assets.ClassNames[b.Class], probability = b.P }),
                }));
                continue;
            }
            Console.WriteLine(files[i]);
            int width = best.Max(b => assets.ClassNames[b.Class].Length);
            for (int r = 0; r < best.Length; r++)
                Console.WriteLine($"  {r + 1}. {assets.ClassNames[best[r].Class].PadRight(width)}  {best[r].P,8:P2}");
        }
        return 0;
    }
}
