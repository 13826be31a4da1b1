using System.Globalization;
using System.Text.RegularExpressions;
using Xunit;

namespace AlexNet.Cli.Tests;

/// <summary>`alexnet bench --cluster --loader-sweep`: loader processes on loopback reading JPEG shards made from real photos.</summary>
public sealed class LoaderSweepTests
{
    // Four photos of Debian's mate-backgrounds (installed by .ci/run), ordinal order: Aqua, Blinds, Dune, FreshFlower.
    private const string Photos = "/usr/share/backgrounds/mate/nature";

    [Fact]
    public void One_and_two_loader_processes_each_deliver_a_positive_rate_from_jpeg_shards_they_opened()
    {
        Assert.True(Directory.Exists(Photos), $"{Photos} is missing: install Debian's mate-backgrounds");
        var r = AlexNetProcess.Run(TimeSpan.FromMinutes(3), "bench", "--cluster", "--loader-sweep", "1,2", "--data", Photos,
            "--images", "4", "--records", "48", "--batch", "16", "--steps", "3", "--warmup", "1");
        Assert.True(r.ExitCode == 0, r.Stderr + r.Stdout);
        var lines = r.Stdout.Split('\n', StringSplitOptions.TrimEntries);

        Assert.StartsWith("bench --cluster --loader-sweep 1,2: towers=1 classes=2 width=0.01 crop=63", lines[0]);
        Assert.Contains($", {Environment.ProcessorCount} cores, ", lines[0]);
        Assert.Contains("48 JPEG q90 records of 256x256", Assert.Single(lines, l => l.StartsWith("made from " + Photos)));
        // What the loader nodes opened: the temporary prepared folder, JPEG records, no validation split.
        Assert.Matches(@"^data: .*alexnet-sweep-[^/]+/prepared \(2 classes, 48 train / 0 validation images, 256x256\); jpeg records, decoded by (libjpeg-turbo|imagesharp)$",
            Assert.Single(lines, l => l.StartsWith("data: ")));

        var rates = lines.Select(l => Regex.Match(l, @"^(\d+) loader process(?:es|  ): +([\d.]+) images/s delivered, +([\d.]+) images/s per loader process \((\d+) processes"))
            .Where(m => m.Success).ToList();
        Assert.Equal(new[] { 1, 2 }, rates.Select(m => int.Parse(m.Groups[1].Value)));
        foreach (var m in rates)
        {
            int loaders = int.Parse(m.Groups[1].Value);
            double delivered = double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), per = double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
            Assert.True(delivered > 0 && double.IsFinite(delivered), m.Value);
            Assert.Equal(delivered / loaders, per, 0.1);
            Assert.Equal(loaders + 2, int.Parse(m.Groups[4].Value));
        }
        // Checked by the sweep against each loader process's own output: it fails the run otherwise.
        Assert.Contains("each of the 3 loader processes opened the prepared folder above", r.Stdout);
    }

    [Fact]
    public void A_folder_without_pictures_or_no_data_gives_one_line_and_exit_2()
    {
        var empty = Directory.CreateTempSubdirectory("alexnet-sweep-test-").FullName;
        try
        {
            var r = AlexNetProcess.Run(TimeSpan.FromMinutes(1), "bench", "--cluster", "--loader-sweep", "1", "--data", empty);
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("no .jpg, .jpeg or .png file", Assert.Single(r.Stderr.Trim().Split('\n')));

            var none = AlexNetProcess.Run(TimeSpan.FromMinutes(1), "bench", "--cluster", "--loader-sweep", "1,0");
            Assert.Equal(2, none.ExitCode);
            Assert.Contains("'0' is not a positive number of loader processes", none.Stderr);
        }
        finally { Directory.Delete(empty, recursive: true); }
    }
}
