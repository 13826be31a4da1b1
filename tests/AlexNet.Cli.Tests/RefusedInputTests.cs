using Xunit;

namespace AlexNet.Cli.Tests;

/// <summary>
/// Bad input to the commands: one line on stderr naming the flag, key or file and what was expected,
/// exit code 2, never a stack trace. Every case here is refused before any training starts, so each
/// takes about a second.
/// </summary>
public sealed class RefusedInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("refused-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static readonly string[] Synthetic = { "--data", "synthetic", "--steps", "1", "--batch", "16", "--loaders", "1", "--log-every", "0" };

    private static AlexNetProcess.Result Run(params string[] args) => AlexNetProcess.Run(TimeSpan.FromMinutes(2), args);

    private static AlexNetProcess.Result Train(params string[] args) => Run(new[] { "train" }.Concat(Synthetic).Concat(args).ToArray());

    /// <summary>Exit 2 and exactly one line on stderr, containing every one of <paramref name="expected"/>.</summary>
    private static string AssertRefused(AlexNetProcess.Result r, params string[] expected)
    {
        Assert.True(r.ExitCode == 2, $"exit {r.ExitCode}\nstdout: {r.Stdout}\nstderr: {r.Stderr}");
        Assert.DoesNotContain("   at ", r.Stdout + r.Stderr);
        var line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        foreach (var e in expected) Assert.Contains(e, line);
        return line;
    }

    private string WriteFile(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Train_help_says_auto_picks_fashion_mnist_when_installed()
    {
        var r = Run("train", "--help");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("Fashion-MNIST when Debian's dataset-fashion-mnist is installed", r.Stdout);
        Assert.DoesNotContain("With no options: the synthetic set", r.Stdout);
    }

    [Fact]
    public void A_stray_brace_binary_content_or_a_missing_include_in_a_config_file_is_refused_naming_it()
    {
        // Akka's parser would stop at the stray brace and never see the misspelt key after it.
        var brace = WriteFile("brace.conf", "alexnet.train.batch-size = 16\n}\nalexnet.train.epoch = 3\n");
        AssertRefused(Train("--config", brace), $"--config {brace}: line 2: '}}' closes nothing");

        var binary = Path.Combine(_dir, "garbage.conf");
        File.WriteAllBytes(binary, Enumerable.Range(0, 256).Select(i => (byte)(255 - i)).ToArray());
        AssertRefused(Train("--config", binary), $"--config {binary}: line 1: not UTF-8 text");

        var include = WriteFile("include.conf", "include \"nonexist.conf\"\n");
        AssertRefused(Train("--config", include), "included file nonexist.conf is missing");

        AssertRefused(Train("--config", "preset:bogus"), "unknown preset bogus (known: ", "quickstart");
    }
}
