using AlexNet.Data;

namespace AlexNet.Actors.Inference;

/// <summary>
/// What inference on new images needs from the training set: its mean image (statistics.bin) and
/// its class names (classes.txt). `alexnet train` copies both into the run's checkpoint folder, so
/// a checkpoint carries them; a prepared dataset folder holds them too (its own layout, same names).
/// </summary>
public sealed record DatasetAssets(DatasetStatistics Statistics, IReadOnlyList<string> ClassNames, string From)
{
    public const string StatisticsFile = "statistics.bin", ClassesFile = "classes.txt";

    /// <summary>Writes both files into <paramref name="folder"/>.</summary>
    public static void Save(string folder, DatasetStatistics statistics, long imageCount, IReadOnlyList<string> classNames)
    {
        Directory.CreateDirectory(folder);
        Data.StatisticsFile.Save(Path.Combine(folder, StatisticsFile), statistics, imageCount);
        var classes = Path.Combine(folder, ClassesFile);
        File.WriteAllLines(classes + ".tmp", classNames);
        File.Move(classes + ".tmp", classes, overwrite: true);
    }

    /// <summary>
    /// From a dataset folder when given, else from the checkpoint folder or the run folder above it.
    /// Throws <see cref="ModelInputException"/> naming where it looked.
    /// </summary>
    public static DatasetAssets Locate(string checkpointFolder, string? dataFolder)
    {
        var candidates = dataFolder is not null
            ? new[] { dataFolder }
            : new[] { checkpointFolder, Path.GetDirectoryName(Path.GetFullPath(checkpointFolder))! };
        foreach (var folder in candidates)
            if (File.Exists(Path.Combine(folder, StatisticsFile)) && File.Exists(Path.Combine(folder, ClassesFile)))
                return Load(folder);
        throw new ModelInputException(dataFolder is not null
            ? $"--data {dataFolder}: {StatisticsFile} or {ClassesFile} is missing (expected a folder prepared by 'alexnet prepare')"
            : $"checkpoint {checkpointFolder}: no {StatisticsFile} and {ClassesFile} beside it or in its run folder (expected a run trained by this version of 'alexnet train', or give --data with the prepared training set)");
    }

    private static DatasetAssets Load(string folder)
    {
        DatasetStatistics statistics;
        try { statistics = Data.StatisticsFile.Load(Path.Combine(folder, StatisticsFile)); }
        catch (DataFormatException e) { throw new ModelInputException(e.Message); }
        var classes = File.ReadAllLines(Path.Combine(folder, ClassesFile)).Where(l => l.Length > 0).ToArray();
        return new DatasetAssets(statistics, classes, folder);
    }
}
