using AlexNet.Actors.Hosting;
using AlexNet.Actors.Loading;

namespace AlexNet.Cli.Commands;

/// <summary>Turns alexnet.data.source into the images a run's loaders serve.</summary>
public static class DataSources
{
    public static LoaderData Resolve(DataSettings s, TextWriter log)
    {
        switch (s.Source)
        {
            case "auto":
            case "synthetic":
                var d = LoaderData.Synthetic(s.SyntheticTrain, s.SyntheticValidation, s.SyntheticClasses, s.SyntheticSide, seed: 1);
                log.WriteLine($"data: {d.Name}");
                return d;
            default:
                throw new UsageException($"--data {s.Source}: expected auto, synthetic or a folder prepared by 'alexnet prepare'");
        }
    }
}
