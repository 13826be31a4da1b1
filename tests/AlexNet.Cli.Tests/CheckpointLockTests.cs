using Xunit;

namespace AlexNet.Cli.Tests;

/// <summary>One run per checkpoint folder: a second `train` on it is refused while the first runs, and a killed run's lock goes with it.</summary>
public sealed class CheckpointLockTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "alexnet-cli-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private string[] Args(int epochs) => new[]
    {
        "train", "--data", "synthetic", "--width", "0.25", "--crop", "64", "--batch", "16", "--epochs", epochs.ToString(),
        "--checkpoint-dir", _dir, "--log-every", "1", "--live", "off", "--threads", "1",
    };

    [Fact]
    public void A_second_run_on_a_checkpoint_folder_in_use_is_refused_and_a_killed_run_leaves_it_free()
    {
        using var first = AlexNetProcess.Start(Args(20));
        _ = first.StandardError.ReadToEndAsync();
        string? line;
        while ((line = first.StandardOutput.ReadLine()) is not null && !line.StartsWith("step ", StringComparison.Ordinal)) { }
        Assert.NotNull(line);

        var second = AlexNetProcess.Run(TimeSpan.FromMinutes(1), Args(1));
        Assert.Equal(2, second.ExitCode);
        Assert.Contains($"alexnet.checkpoint.dir = {_dir}: another run is using it (process {first.Id} on {Environment.MachineName}", second.Stderr);

        first.Kill(); // SIGKILL: the kernel drops its lock with it
        first.WaitForExit();
        var third = AlexNetProcess.Run(TimeSpan.FromMinutes(2), Args(1).Concat(new[] { "--steps", "3" }).ToArray());
        Assert.True(third.ExitCode == 0, third.Stderr);
    }
}
