using Xunit;

namespace AlexNet.Cli.Tests;

/// <summary>The speed-variant options of `train` and `bench` (precision, memory format, pinned copies, --variants), on the CPU.</summary>
public class SpeedVariantsCommandTests
{
    private static readonly string[] TinyBench =
        { "bench", "--width", "0.25", "--crop", "64", "--classes", "10", "--batch", "8", "--steps", "1", "--warmup", "1", "--loaders", "1" };

    [Fact]
    public void Train_runs_in_bf16_channels_last_and_says_so()
    {
        var r = AlexNetProcess.Run(TimeSpan.FromMinutes(3), "train", "--data", "synthetic", "--width", "0.25", "--crop", "64", "--batch", "16",
            "--epochs", "1", "--steps", "4", "--log-every", "1", "--loaders", "1", "--live", "off",
            "--precision", "bf16", "--memory-format", "channels-last", "--pinned-memory", "off");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("bf16 channels-last, unpinned", r.Stdout);
        Assert.Contains("finished: 4 steps", r.Stdout);
    }

    [Fact]
    public void Train_in_fp16_shows_its_dynamic_loss_scale_and_bench_counts_the_skipped_steps()
    {
        var train = AlexNetProcess.Run(TimeSpan.FromMinutes(3), "train", "--data", "synthetic", "--width", "0.25", "--crop", "64", "--batch", "16",
            "--epochs", "1", "--steps", "3", "--log-every", "1", "--loaders", "1", "--live", "off", "--precision", "fp16", "--loss-scale", "16777216");
        Assert.True(train.ExitCode == 0, train.Stderr);
        Assert.Contains("fp16 (loss scale 16777216, dynamic)", train.Stdout);
        // 2^24 overflows this network's fp16 gradients: the first step is skipped and the scale halved.
        Assert.Matches(@"step +1 .* loss scale 8388608 \(1 skipped\)", train.Stdout);
        Assert.Contains("finished: 3 steps", train.Stdout);

        var bench = AlexNetProcess.Run(TimeSpan.FromMinutes(3), TinyBench.Concat(new[] { "--precision", "fp16" }).ToArray());
        Assert.True(bench.ExitCode == 0, bench.Stderr);
        Assert.Matches(@"actor/reference throughput ratio: \d+\.\d{3}; fp16 steps skipped on overflow: reference \d+, actors \d+ of 2", bench.Stdout);
    }

    [Theory]
    [InlineData("--precision", "fp8", "alexnet.train.precision")]
    [InlineData("--memory-format", "nhwc", "alexnet.model.memory-format")]
    [InlineData("--loss-scale", "1000", "train.loss-scale")]
    [InlineData("--loss-scale-mode", "sometimes", "alexnet.train.loss-scale-mode")]
    public void Train_refuses_a_bad_value_naming_its_key(string flag, string value, string key)
    {
        var r = AlexNetProcess.Run(TimeSpan.FromMinutes(2), "train", "--data", "synthetic", flag, value);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(key, r.Stderr);
    }

    [Fact]
    public void Bench_names_its_variant_in_the_header()
    {
        var r = AlexNetProcess.Run(TimeSpan.FromMinutes(3), TinyBench.Concat(new[] { "--precision", "bf16", "--memory-format", "channels-last" }).ToArray());
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Matches(@"bench: .*, variant channels-last\+bf16 \(bf16 channels-last\), ", r.Stdout);
        Assert.Matches(@"actor/reference throughput ratio: \d+\.\d{3}", r.Stdout);
    }

    [Fact]
    public void Bench_variants_print_one_line_each_relative_to_the_fp32_reference()
    {
        var r = AlexNetProcess.Run(TimeSpan.FromMinutes(4), TinyBench.Concat(new[] { "--variants", "bf16,tf32+channels-last,unpinned,fp32" }).ToArray());
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("variants fp32, bf16, tf32+channels-last, unpinned, fp32", r.Stdout);
        var lines = r.Stdout.Split('\n').Where(l => l.StartsWith("variant ", StringComparison.Ordinal)).ToList();
        Assert.Equal(new[] { "fp32", "bf16", "tf32+channels-last", "unpinned", "fp32" }, lines.Select(l => l["variant ".Length..l.IndexOf(':')]));
        Assert.All(lines, l => Assert.Matches(@"reference \d+\.\d images/s \(\d+\.\d{3}x the fp32 reference\), actors \d+\.\d images/s \(\d+\.\d{3}x\), actor/reference \d+\.\d{3}$", l));
        Assert.Contains("(1.000x the fp32 reference)", lines[0]);
    }

    [Theory]
    [InlineData("--variants", "fp8", "unknown variant token 'fp8'")]
    [InlineData("--variants", "bf16+fp16", "sets the precision twice")]
    [InlineData("--pinned-memory", "maybe", "expected on or off")]
    public void Bench_refuses_a_bad_variant(string flag, string value, string message)
    {
        var r = AlexNetProcess.Run(TimeSpan.FromMinutes(2), TinyBench.Concat(new[] { flag, value }).ToArray());
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.Stderr);
    }

    [Fact]
    public void Bench_variants_do_not_mix_with_single_variant_flags()
    {
        var r = AlexNetProcess.Run(TimeSpan.FromMinutes(2), TinyBench.Concat(new[] { "--variants", "bf16", "--tf32" }).ToArray());
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--variants names every variant", r.Stderr);
    }
}
