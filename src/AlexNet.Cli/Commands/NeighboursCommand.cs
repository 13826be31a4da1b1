using AlexNet.Actors.Inference;
using AlexNet.Cli.Pictures;
using AlexNet.Data;

namespace AlexNet.Cli.Commands;

/// <summary>`alexnet neighbours`: training images nearest to query images in fc7 space (the paper's Figure 4).</summary>
public sealed class NeighboursCommand : ICommand
{
    public string Name => "neighbours";
    public string Summary => "training images nearest to query images in fc7 feature space, as a PNG grid (paper Fig. 4)";
    public string Usage => "usage: alexnet neighbours --checkpoint C --data D --query IMAGE [IMAGE...] --out FILE.png [options]\n" + CheckpointOptions.Help + "\n" + """
          --data D            a folder prepared by 'alexnet prepare': its images are searched, its mean image is used
          --query IMAGE       an image file (repeat --query, or list more files after the options)
          --out FILE.png      the grid: one row per query, the query first, then its neighbours, nearest first
          --k N               neighbours per query (default 6)
          --split S           the split searched (default train)
          --limit N           only the first N images of the split
          --batch N           images per forward pass (default 128)
        Distances are Euclidean between fc7 outputs (after ReLU) of the centre crops.
        """;

    public int Run(CliArgs args)
    {
        var where = CheckpointOptions.Read(args);
        var dataRoot = args.String("data") ?? throw new UsageException("--data D is required (a folder prepared by 'alexnet prepare')");
        var output = args.String("out") ?? throw new UsageException("--out FILE.png is required");
        var queries = args.Strings("query").Concat(args.Positional).ToArray();
        int k = args.Int("k") ?? 6, batch = args.Int("batch") ?? 128;
        var split = args.String("split") ?? "train";
        int? limit = args.Int("limit");
        args.RejectUnknown(Name);
        if (queries.Length == 0) throw new UsageException("--query IMAGE is required (one or more image files)");
        if (k < 1) throw new UsageException($"--k {k}: expected at least 1");
        if (batch < 1) throw new UsageException($"--batch {batch}: expected at least 1");
        if (limit < 1) throw new UsageException($"--limit {limit}: expected at least 1 image");

        using var data = PreparedSplit.Open(dataRoot, split);
        var statistics = PreparedSplit.Statistics(dataRoot);
        using var checkpoint = CheckpointOptions.Open(where);
        CheckpointLocator.CheckAgainstData(checkpoint.Model, checkpoint.Folder, data.ClassNames.Count, data.ImageSide, $"--data {dataRoot}");
        var queryImages = ImageFiles.Load(queries, data.ImageSide, data.ClassNames);
        using var classifier = new ImageClassifier(checkpoint.Network, checkpoint.Device, statistics);
        int searched = limit is { } n ? Math.Min(n, data.Count) : data.Count;

        Neighbour[][] found;
        using (var queryFeatures = classifier.Features(queryImages, Enumerable.Range(0, queryImages.Count).ToArray()))
        using (var search = new NeighbourSearch(queryFeatures, k))
        {
            for (int start = 0; start < searched; start += batch)
            {
                var samples = Enumerable.Range(start, Math.Min(batch, searched - start)).ToArray();
                using var features = classifier.Features(data, samples);
                search.Add(features, samples);
            }
            found = search.Result();
        }

        Console.WriteLine(CheckpointOptions.Describe(checkpoint));
        Console.WriteLine($"searched {searched} {split} images of {dataRoot} in {checkpoint.Model.Fc7Units}-d fc7 space");
        var rows = new List<IReadOnlyList<byte[]>>();
        int side = data.ImageSide;
        for (int q = 0; q < queries.Length; q++)
        {
            var row = new List<byte[]> { Pixels(queryImages, q, side) };
            Console.WriteLine(queries[q]);
            foreach (var nb in found[q])
            {
                row.Add(Pixels(data, nb.Index, side));
                Console.WriteLine($"  {split} #{nb.Index,-7} {data.ClassNames[data.Label(nb.Index)],-20} distance {nb.Distance:F3}");
            }
            rows.Add(row);
        }
        var canvas = NeighbourGrid.Render(rows, side);
        canvas.SavePng(output);
        Console.WriteLine($"wrote {output}: {queries.Length} row(s) of 1 + {k} images, {canvas.Width}x{canvas.Height} pixels");
        return 0;
    }

    private static byte[] Pixels(IImageDataset data, int index, int side)
    {
        var pixels = new byte[side * side * 3];
        data.ReadPixels(index, pixels);
        return pixels;
    }
}
