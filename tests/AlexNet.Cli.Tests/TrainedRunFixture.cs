using Xunit;

namespace AlexNet.Cli.Tests;

/// <summary>
/// One small real run shared by the inference command tests: 600 Fashion-MNIST images (Debian's
/// dataset-fashion-mnist package) imported, prepared at 72×72 and trained for two epochs at width
/// 0.25, crop 64, with checkpoints and a run folder. About 10 s on 2 cores.
/// </summary>
public sealed class TrainedRunFixture : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("alexnet-inference-").FullName;
    public string Data => Path.Combine(Root, "fmp");
    public string Checkpoints => Path.Combine(Root, "ck");
    public string RunFolder => Path.Combine(Checkpoints, "run");
    public AlexNetProcess.Result Training { get; }

    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    public TrainedRunFixture()
    {
        Must(AlexNetProcess.Run(Timeout, "import", "fashion-mnist", Path.Combine(Root, "fm"), "--limit", "600"));
        Must(AlexNetProcess.Run(Timeout, "prepare", Path.Combine(Root, "fm"), Data, "--size", "72"));
        Training = Must(AlexNetProcess.Run(Timeout, "train", "--data", Data, "--width", "0.25", "--crop", "64", "--batch", "64",
            "--epochs", "2", "--log-every", "2", "--checkpoint-dir", Checkpoints));
    }

    public string In(params string[] parts) => Path.Combine(new[] { Root }.Concat(parts).ToArray());

    /// <summary>A real photograph (Debian's mate-backgrounds package).</summary>
    public static string Photo => Directory.GetFiles("/usr/share/backgrounds/mate", "*.jpg", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal).First();

    public static AlexNetProcess.Result Must(AlexNetProcess.Result r)
    {
        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}\n{r.Stdout}\n{r.Stderr}");
        return r;
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class TrainedRunCollection : ICollectionFixture<TrainedRunFixture>
{
    public const string Name = "trained run";
}
