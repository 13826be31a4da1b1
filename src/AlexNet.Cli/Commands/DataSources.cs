using AlexNet.Actors.Hosting;
using AlexNet.Actors.Loading;
using AlexNet.Data;

namespace AlexNet.Cli.Commands;

/// <summary>Turns alexnet.data.source into the images a run's loaders serve.</summary>
public static class DataSources
{
    public static LoaderData Resolve(DataSettings s, TextWriter log)
    {
        JpegDecoding.Current = s.JpegDecoder; // for every shard this process reads
        switch (s.Source)
        {
            case "fashion-mnist":
                return Prepared(FashionMnistCache.Ensure(s.CacheDir, s.FashionMnistSize, log), log);
            case "auto":
            case "synthetic":
                int side = s.SyntheticSide > 0 ? s.SyntheticSide : s.Augmentation.Crop + (s.Augmentation.Crop + 6) / 7;
                var d = LoaderData.Synthetic(s.SyntheticTrain, s.SyntheticValidation, s.SyntheticClasses, side, seed: 1);
                log.WriteLine($"data: {d.Name}");
                return d;
            default:
                return Prepared(s.Source, log);
        }
    }

    /// <summary>A folder made by `alexnet prepare`: train/ and val/ splits and the training-set statistics.</summary>
    public static LoaderData Prepared(string root, TextWriter log)
    {
        if (!Directory.Exists(root))
            throw new UsageException($"--data {root}: no such folder (expected auto, synthetic or a folder prepared by 'alexnet prepare')");
        foreach (var needed in new[] { PreparedLayout.Split(root, "train"), PreparedLayout.Split(root, "val"), PreparedLayout.Statistics(root) })
            if (!Path.Exists(needed))
                throw new UsageException($"--data {root}: {Path.GetFileName(needed)} is missing (expected a folder prepared by 'alexnet prepare' with train/ and val/)");
        var train = PreparedDataset.Open(root, "train");
        var val = PreparedDataset.Open(root, "val");
        var stats = StatisticsFile.Load(PreparedLayout.Statistics(root));
        var data = new LoaderData($"{Path.GetFullPath(root)} ({train.ClassNames.Count} classes, {train.Count} train / {val.Count} validation images, {train.ImageSide}x{train.ImageSide})",
            train, val, stats);
        log.WriteLine($"data: {data.Name}; " + (train.Format == RecordFormat.Jpeg ? $"jpeg records, decoded by {JpegDecoding.Name(JpegDecoding.Current)}" : "raw records"));
        return data;
    }
}
