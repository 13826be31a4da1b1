using AlexNet.Actors.Inference;
using AlexNet.Data;

namespace AlexNet.Cli.Commands;

/// <summary>A split of a prepared dataset and its statistics, with one clear error when either is missing.</summary>
public static class PreparedSplit
{
    public static PreparedDataset Open(string root, string split)
    {
        if (!Directory.Exists(root))
            throw new UsageException($"--data {root}: no such folder (expected a folder prepared by 'alexnet prepare')");
        var index = PreparedLayout.Index(PreparedLayout.Split(root, split));
        if (!File.Exists(index))
            throw new UsageException($"--data {root}: no {split} split ({index} is missing; expected a folder prepared by 'alexnet prepare')");
        return PreparedDataset.Open(root, split);
    }

    public static DatasetStatistics Statistics(string root)
    {
        var path = PreparedLayout.Statistics(root);
        if (!File.Exists(path)) throw new ModelInputException($"--data {root}: {Path.GetFileName(path)} is missing (expected a folder prepared by 'alexnet prepare')");
        return StatisticsFile.Load(path);
    }
}
