using System.Diagnostics;
using System.Security.Cryptography;
using Xunit;

namespace AlexNet.Cli.Tests;

public class TrainCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("train-").FullName;

    private static readonly string[] Small =
    {
        "train", "--data", "synthetic", "--width", "0.25", "--crop", "64", "--batch", "16", "--epochs", "1", "--steps", "12",
        "--log-every", "1", "--loaders", "1",
    };

    [Fact]
    public void Train_prints_per_epoch_loss_validation_error_and_images_per_second()
    {
        var r = AlexNetProcess.Run(TimeSpan.FromMinutes(3), Small);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Matches(@"epoch +1 +train loss \d+\.\d+ .*val top-1 err \d+\.\d+ % .*val top-5 err .* img/s", r.Stdout);
        Assert.Contains("finished: 12 steps", r.Stdout);
    }

    [Fact]
    public void A_bad_config_value_names_its_key()
    {
        var config = Path.Combine(_dir, "bad.conf");
        File.WriteAllText(config, "alexnet.train.momentum-form = nesterov\n");
        var r = AlexNetProcess.Run(TimeSpan.FromMinutes(2), "train", "--config", config);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("alexnet.train.momentum-form", r.Stderr);
        var missing = AlexNetProcess.Run(TimeSpan.FromMinutes(2), "train", "--config", Path.Combine(_dir, "nope.conf"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("nope.conf", missing.Stderr);
        var typo = Path.Combine(_dir, "typo.conf");
        File.WriteAllText(typo, "alexnet.train { epoch = 3 }\n");
        var misspelt = AlexNetProcess.Run(TimeSpan.FromMinutes(2), "train", "--config", typo);
        Assert.Equal(2, misspelt.ExitCode);
        Assert.Contains("typo.conf: unknown key alexnet.train.epoch", misspelt.Stderr);
        Assert.Contains("did you mean alexnet.train.epochs?", misspelt.Stderr);
    }

    /// <summary>
    /// Exact resume on CPU: S steps straight, and (SIGKILL after a checkpoint, then resume to S), end
    /// with bit-identical weights and momentum (every kernel used on CPU is deterministic).
    /// </summary>
    [Fact]
    public void Killed_and_resumed_ends_with_the_same_weights_bit_for_bit()
    {
        string straight = Path.Combine(_dir, "straight"), killed = Path.Combine(_dir, "killed");
        string[] Args(string dir) => Small.Concat(new[] { "--checkpoint-dir", dir, "--checkpoint-every", "4", "--lighting", "0.1" }).ToArray();

        var r = AlexNetProcess.Run(TimeSpan.FromMinutes(3), Args(straight));
        Assert.True(r.ExitCode == 0, r.Stderr);

        // Start the same run and SIGKILL it as soon as it reports the step-8 checkpoint.
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(AlexNetProcess.ProgramPath);
        foreach (var a in Args(killed)) psi.ArgumentList.Add(a);
        using (var p = Process.Start(psi)!)
        {
            string? line;
            while ((line = p.StandardOutput.ReadLine()) is not null && !line.Contains("step-000000008")) { }
            Assert.NotNull(line);
            p.Kill(); // SIGKILL: no shutdown code runs
            p.WaitForExit();
        }
        var resumed = AlexNetProcess.Run(TimeSpan.FromMinutes(3), Args(killed));
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains("resuming from", resumed.Stdout);
        Assert.Contains("finished: 12 steps", resumed.Stdout);

        foreach (var shard in new[] { "tower-0.safetensors", "tower-1.safetensors" })
            Assert.Equal(Hash(Path.Combine(straight, "step-000000012", shard)), Hash(Path.Combine(killed, "step-000000012", shard)));
        // The record of the interrupted run has each step once, like the straight run's.
        Assert.Equal(StepRows(straight), StepRows(killed));
    }

    private static string[] StepRows(string checkpoints) =>
        File.ReadAllLines(Path.Combine(checkpoints, "run", "metrics.csv")).Where(l => l.StartsWith("step,")).Select(l => l.Split(',')[1]).ToArray();

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
