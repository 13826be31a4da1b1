using System.Globalization;
using System.Text.RegularExpressions;
using Xunit;

namespace AlexNet.Cli.Tests;

/// <summary>`alexnet bench-loader` on real photographs (Debian's mate-backgrounds, installed by .ci/run).</summary>
public sealed class BenchLoaderTests
{
    private const string Photos = "/usr/share/backgrounds/mate/nature";

    [Fact]
    public void Every_stage_reports_a_rate_and_pooled_loader_actors_reuse_their_buffers()
    {
        Assert.True(Directory.Exists(Photos), $"{Photos} is missing: install Debian's mate-backgrounds");
        var r = AlexNetProcess.Run(TimeSpan.FromMinutes(3), "bench-loader", "--data", Photos, "--images", "4", "--size", "72", "--crop", "64",
            "--batch", "8", "--workers", "2", "--seconds", "0.3", "--rounds", "1");
        Assert.True(r.ExitCode == 0, r.Stderr + r.Stdout);
        var lines = r.Stdout.Split('\n', StringSplitOptions.TrimEntries);
        foreach (var stage in new[] { "(a) ", "(b) ", "(b') " })
        {
            int at = Array.FindIndex(lines, l => l.StartsWith(stage));
            Assert.True(at >= 0, $"no stage {stage}in\n{r.Stdout}");
            Assert.Matches(@"^1 worker : +\d+ images/s per core", lines[at + 1]);
            Assert.Matches(@"^2 workers: +\d+ images/s per core .*; 2 workers deliver \d+ images/s$", lines[at + 2]);
        }

        var actors = lines.Select(l => Regex.Match(l, @"^(\d) loader actor\(s\): +(\d+) images/s delivered, (\d+) per loader .*?(?:; (\d+) buffers made, (\d+) reused)?$"))
            .Where(m => m.Success).ToList();
        Assert.Equal(new[] { 1, 2, 1, 2 }, actors.Select(m => int.Parse(m.Groups[1].Value)));
        foreach (var m in actors)
        {
            int loaders = int.Parse(m.Groups[1].Value);
            double delivered = double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
            Assert.True(delivered > 0, m.Value);
            Assert.Equal(delivered / loaders, double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture), 1.0);
        }
        Assert.False(actors[0].Groups[4].Success || actors[1].Groups[4].Success); // the first pair: no pool
        foreach (var m in actors.Skip(2))
        {
            int loaders = int.Parse(m.Groups[1].Value);
            // One batch outstanding per loader actor: that many buffers, every other batch reused one.
            Assert.True(int.Parse(m.Groups[4].Value) <= loaders, m.Value);
            Assert.True(int.Parse(m.Groups[5].Value) > 0, m.Value);
        }
    }

    [Fact]
    public void A_missing_folder_is_named_with_a_non_zero_exit()
    {
        var r = AlexNetProcess.Run(TimeSpan.FromMinutes(1), "bench-loader", "--data", "/nonexistent/photos");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--data /nonexistent/photos: no such folder", r.Stderr + r.Stdout);
    }
}
