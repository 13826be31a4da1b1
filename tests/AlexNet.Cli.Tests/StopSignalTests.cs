using System.Diagnostics;
using Xunit;

namespace AlexNet.Cli.Tests;

/// <summary>`train` on SIGTERM (a Kubernetes pod's termination, `kill`): it stops after the step in progress and its checkpoint, and the same command resumes.</summary>
public sealed class StopSignalTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "alexnet-cli-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private string[] Args => new[]
    {
        "train", "--data", "synthetic", "--width", "0.25", "--crop", "64", "--batch", "16", "--epochs", "20",
        "--checkpoint-dir", _dir, "--log-every", "1", "--live", "off", "--threads", "1",
    };

    [Fact]
    public async Task Sigterm_stops_after_a_checkpoint_of_the_step_in_progress_and_the_same_command_resumes_from_it()
    {
        using var p = AlexNetProcess.Start(Args);
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = new List<string>();
        string? line;
        // Signal once the run is well into training (step 20), then read the rest.
        while ((line = p.StandardOutput.ReadLine()) is not null)
        {
            stdout.Add(line);
            if (line.StartsWith("step      20 ", StringComparison.Ordinal)) break;
        }
        Assert.NotNull(line);
        Process.Start("kill", new[] { "-TERM", p.Id.ToString() })!.WaitForExit();
        while ((line = p.StandardOutput.ReadLine()) is not null) stdout.Add(line);
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2))) await p.WaitForExitAsync(timeout.Token);

        Assert.Equal(143, p.ExitCode);
        string errors = await stderr;
        string last = errors.Trim().Split('\n')[^1];
        var match = System.Text.RegularExpressions.Regex.Match(last, @"^alexnet train: stopped after step (\d+) \(SIGTERM received\); the same command resumes from (.+)$");
        Assert.True(match.Success, errors);
        long steps = long.Parse(match.Groups[1].Value);
        Assert.Equal(Path.Combine(_dir, $"step-{steps:D9}"), match.Groups[2].Value);
        Assert.True(File.Exists(Path.Combine(match.Groups[2].Value, "manifest.json")));
        Assert.Contains(stdout, l => l.StartsWith($"step {steps,7} ", StringComparison.Ordinal));
        Assert.DoesNotContain(stdout, l => l.StartsWith($"step {steps + 1,7} ", StringComparison.Ordinal));

        // The same command again, cut short by --steps: it continues with the next step.
        var resumed = AlexNetProcess.Run(TimeSpan.FromMinutes(2), Args.Concat(new[] { "--steps", (steps + 3).ToString() }).ToArray());
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains($"resuming from {match.Groups[2].Value} (step {steps},", resumed.Stdout);
        Assert.Contains($"step {steps + 1,7} ", resumed.Stdout);
    }
}
