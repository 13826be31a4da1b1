using System.Diagnostics;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
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

    /// <summary>Model, training and data values the actors would refuse (or crash on, or take silently) are refused up front.</summary>
    [Theory]
    [InlineData("--dropout 1", "alexnet.model.dropout = 1: expected a probability in [0, 1)")]
    [InlineData("--dropout -0.1", "alexnet.model.dropout = -0.1: expected a probability")]
    [InlineData("--width 0", "alexnet.model.width = 0: expected a multiplier in (0, 16]")]
    [InlineData("--width 0.001", "alexnet.model.width = 0.001: expected a width whose conv1 channel count (0)")]
    [InlineData("--crop 62", "alexnet.model.crop = 62: expected at least 63")]
    [InlineData("--crop 0", "alexnet.model.crop = 0: expected at least 63")]
    [InlineData("--towers 0", "alexnet.model.towers = 0: expected at least 1")]
    [InlineData("--towers -2", "alexnet.model.towers = -2: expected at least 1")]
    [InlineData("--towers 3", "positive multiple of towers (3)")]
    [InlineData("--classes -1", "alexnet.model.classes = -1: expected 0 (the count of the data's classes) or at least 2")]
    [InlineData("--classes 5", "alexnet.model.classes = 5: the data synthetic (10 classes")]
    [InlineData("--crop 80 --config-text alexnet.data.synthetic.side=72", "alexnet.model.crop = 80: expected at most 72, the side of the stored images of synthetic")]
    [InlineData("--batch 5000", "alexnet.train.batch-size = 5000: expected at most 2048, the training images of synthetic")]
    [InlineData("--threads -1", "alexnet.tower.intra-op-threads = -1: expected 0 (cores / towers) or more")]
    [InlineData("--log-every -1", "alexnet.train.log-every = -1: expected 0 (only per epoch) or more")]
    [InlineData("--warmup -1", "alexnet.train.schedule.warmup-epochs = -1: expected 0")]
    [InlineData("--lighting -1", "alexnet.data.lighting-std = -1: expected 0 (no lighting noise) or more")]
    [InlineData("--config-text alexnet.model.dropout=2", "alexnet.model.dropout = 2: expected a probability")]
    [InlineData("--config-text alexnet.train.schedule.patience=-1", "alexnet.train.schedule.patience = -1: expected 0 or more")]
    [InlineData("--config-text alexnet.coordinator.validation-batch-size=-5", "alexnet.coordinator.validation-batch-size = -5: expected 0")]
    [InlineData("--config-text alexnet.data.synthetic.classes=1", "alexnet.data.synthetic.classes = 1: expected at least 2")]
    [InlineData("--config-text alexnet.data.synthetic.train-images=0", "alexnet.data.synthetic.train-images = 0: expected at least 1")]
    public void A_bad_model_training_or_data_value_is_refused_before_training_naming_its_key(string options, string expected)
    {
        var args = new List<string>();
        var words = options.Split(' ');
        for (int i = 0; i < words.Length; i++)
        {
            // --config-text KEY=VALUE: a --config file holding that line
            if (words[i] == "--config-text") args.AddRange(new[] { "--config", WriteFile("values.conf", words[++i].Replace("=", " = ") + "\n") });
            else args.Add(words[i]);
        }
        AssertRefused(Train(args.ToArray()), expected);
    }

    [Fact]
    public void A_cluster_node_refuses_a_bad_model_value_before_joining()
    {
        AssertRefused(Run("node", "--dropout", "1.5", "--join-timeout", "5s"), "alexnet node: alexnet.model.dropout = 1.5: expected a probability");
        AssertRefused(Run("node", "--towers", "0", "--join-timeout", "5s"), "alexnet.model.towers = 0: expected at least 1");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    public void Eval_and_neighbours_refuse_a_limit_below_one(string limit)
    {
        AssertRefused(Run("eval", "--checkpoint", _dir, "--data", _dir, "--limit", limit), $"--limit {limit}: expected at least 1 image");
        AssertRefused(Run("neighbours", "--checkpoint", _dir, "--data", _dir, "--query", "q.png", "--out", "n.png", "--limit", limit),
            $"--limit {limit}: expected at least 1 image");
    }

    [Fact]
    public void A_resume_with_another_seed_batch_size_or_model_is_refused_before_anything_starts()
    {
        string checkpoints = Path.Combine(_dir, "ck");
        var first = Train("--checkpoint-dir", checkpoints, "--checkpoint-every", "1", "--steps", "2");
        Assert.True(first.ExitCode == 0, first.Stderr);
        string newest = Path.Combine(checkpoints, "step-000000002");
        AssertRefused(Train("--checkpoint-dir", checkpoints, "--seed", "2"),
            $"alexnet.checkpoint.dir = {checkpoints}: checkpoint {newest} was made with seed 1, this run has seed 2 (alexnet.train.seed)");
        AssertRefused(Train("--checkpoint-dir", checkpoints, "--batch", "32"),
            $"checkpoint {newest} was made with batch size 16, this run has 32 (alexnet.train.batch-size)");
        // Every checkpoint kept is of the other model: one reason, naming both.
        AssertRefused(Train("--checkpoint-dir", checkpoints, "--width", "0.5"),
            $"no usable checkpoint in {checkpoints}: checkpoints step-000000002, step-000000001: model configuration differs");
    }

    [Fact]
    public void A_refused_run_leaves_the_checkpoint_folder_s_assets_alone_and_a_resumed_one_keeps_them()
    {
        string checkpoints = Path.Combine(_dir, "ck");
        string Data(int classes) => WriteFile($"data-{classes}.conf", $"alexnet.data.synthetic {{ train-images = 64, val-images = 16, classes = {classes} }}\n");
        var first = Train("--config", Data(4), "--checkpoint-dir", checkpoints);
        Assert.True(first.ExitCode == 0, first.Stderr);
        string classes = Path.Combine(checkpoints, "classes.txt"), statistics = Path.Combine(checkpoints, "statistics.bin");
        Assert.Equal(4, File.ReadAllLines(classes).Length);
        var statisticsBytes = File.ReadAllBytes(statistics);

        // Other data, refused before anything starts (no checkpoint in the folder is of this model).
        var refused = Train("--config", Data(5), "--checkpoint-dir", checkpoints);
        AssertRefused(refused, $"alexnet.checkpoint.dir = {checkpoints}: no usable checkpoint");
        Assert.Equal(4, File.ReadAllLines(classes).Length);
        Assert.Equal(statisticsBytes, File.ReadAllBytes(statistics));

        // Resume off on a folder with checkpoints: refused before anything starts.
        var off = Train("--config", Data(5), "--checkpoint-dir", checkpoints, "--resume", "off");
        Assert.Equal(2, off.ExitCode);
        Assert.Contains($"alexnet.checkpoint.resume = off: {checkpoints} already holds checkpoints", off.Stderr);
        Assert.Equal(4, File.ReadAllLines(classes).Length);
        Assert.Equal(statisticsBytes, File.ReadAllBytes(statistics));

        // The same data resumed: still there, and the same.
        var resumed = Train("--config", Data(4), "--checkpoint-dir", checkpoints, "--steps", "2");
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains("resuming from", resumed.Stdout);
        Assert.Equal(new[] { "synthetic-0", "synthetic-1", "synthetic-2", "synthetic-3" }, File.ReadAllLines(classes));
        Assert.Equal(statisticsBytes, File.ReadAllBytes(statistics));
    }

    [Fact]
    public void A_checkpoint_or_run_folder_that_cannot_be_written_is_refused_naming_its_key()
    {
        var file = WriteFile("afile", "not a folder");
        AssertRefused(Train("--checkpoint-dir", file), $"alexnet.checkpoint.dir = {file}: is a file (expected a folder to write into)");
        AssertRefused(Train("--run-dir", file), $"alexnet.telemetry.run-dir = {file}: is a file");
        AssertRefused(Train("--checkpoint-dir", "/proc/alexnet-ck"), "alexnet.checkpoint.dir = /proc/alexnet-ck: cannot write there");
        AssertRefused(Run("node", "--checkpoint-dir", file, "--join-timeout", "5s"), $"alexnet node: alexnet.checkpoint.dir = {file}: is a file");
    }

    [Theory]
    [InlineData("notanaddress")]
    [InlineData("akka.tcp://other@127.0.0.1:4053")]
    [InlineData("akka.tcp://alexnet@127.0.0.1")]
    public void A_seed_node_that_is_not_an_akka_address_is_refused(string seed)
    {
        AssertRefused(Run("node", "--seed-nodes", seed, "--join-timeout", "5s"),
            $"alexnet.cluster.seed-nodes contains '{seed}': expected akka.tcp://alexnet@HOST:PORT");
    }

    [Fact]
    public void A_tls_certificate_that_cannot_be_read_is_refused_naming_the_key()
    {
        var garbage = WriteFile("cluster.pfx", "not a certificate");
        var config = WriteFile("tls.conf", $"alexnet.cluster.tls {{ enabled = on, certificate-path = \"{garbage}\", certificate-password = secret }}\n");
        AssertRefused(Run("node", "--config", config, "--join-timeout", "5s"),
            $"alexnet node: alexnet.cluster.tls.certificate-path = {garbage}: cannot read it as a PKCS#12 (.pfx) certificate with its password");
    }

    /// <summary>SRC/train/{a,b} with 4 images each, an empty SRC/train/c, a photo in a sub-folder of a, and SRC/val/{a,b}.</summary>
    private string MakeSource(string name)
    {
        string root = Path.Combine(_dir, name);
        void Png(string relative, byte shade)
        {
            string path = Path.Combine(root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using var image = new Image<Rgb24>(80, 80, new Rgb24(shade, (byte)(255 - shade), 128));
            image.SaveAsPng(path);
        }
        for (int i = 0; i < 4; i++) { Png($"train/a/{i}.png", (byte)(10 * i)); Png($"train/b/{i}.png", (byte)(200 + 10 * i)); }
        Png("train/a/nested/sub/deep.png", 50);
        Directory.CreateDirectory(Path.Combine(root, "train", "c"));
        Png("val/a/0.png", 5);
        Png("val/b/0.png", 205);
        return root;
    }

    [Fact]
    public void Prepare_lists_files_in_sub_folders_warns_of_an_empty_class_and_refuses_an_output_in_the_source_or_a_file()
    {
        var source = MakeSource("src");
        string output = Path.Combine(_dir, "out");
        var r = Run("prepare", source, output, "--size", "72", "--shard-images", "2");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Matches(@"train: 8 images stored \(\d+ converted\), 0 skipped, 1 other files ignored, 1 empty class folder\(s\)", r.Stdout);
        Assert.Contains($"warning: {Path.Combine(source, "train", "c")}: empty class folder; class c has no train images", r.Stderr);
        var report = File.ReadAllLines(Path.Combine(output, "prepare-report.tsv"));
        Assert.Contains("train\ta/nested/sub/deep.png\tignored\tin a sub-folder of a class folder (only files directly in class folders are read)", report);
        Assert.Contains(report, l => l.StartsWith("train\tc/\tempty\t", StringComparison.Ordinal));

        AssertRefused(Run("prepare", source, source), $"{source}: the output folder is the source folder");
        AssertRefused(Run("prepare", source, Path.Combine(source, "train", "out")), "the output folder is inside the source folder");
        Assert.False(Directory.Exists(Path.Combine(source, "train", "out")));
        var file = WriteFile("afile", "x");
        AssertRefused(Run("prepare", source, file), $"{file}: is a file (expected the output folder");
    }

    [Fact]
    public void Train_and_eval_name_a_missing_shard_of_a_prepared_set()
    {
        var source = MakeSource("src");
        string output = Path.Combine(_dir, "out");
        Assert.Equal(0, Run("prepare", source, output, "--size", "72", "--shard-images", "2").ExitCode);
        string shard = Path.Combine(output, "train", "shard-00001.bin");
        File.Delete(shard);
        AssertRefused(Run("train", "--data", output, "--crop", "64", "--width", "0.25", "--batch", "2", "--steps", "1"), $"{shard}: shard missing");
        AssertRefused(Run("eval", "--checkpoint", _dir, "--data", output, "--split", "train"), $"{shard}: shard missing");
    }

    /// <summary>
    /// An unreadable class folder is reported and skipped, not a crash. Needs a user the folder is
    /// unreadable to: run as root, the test drops to nobody with setpriv (elsewhere it is skipped).
    /// </summary>
    [Fact]
    public async Task Prepare_reports_and_skips_an_unreadable_class_folder()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root" || !File.Exists("/usr/bin/setpriv")) return;
        var source = MakeSource("src");
        string output = Path.Combine(_dir, "out");
        const UnixFileMode Open = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead
            | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        foreach (var d in Directory.GetDirectories(_dir, "*", SearchOption.AllDirectories).Append(_dir)) File.SetUnixFileMode(d, Open);
        foreach (var f in Directory.GetFiles(_dir, "*", SearchOption.AllDirectories)) File.SetUnixFileMode(f, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        File.SetUnixFileMode(_dir, Open | UnixFileMode.OtherWrite | UnixFileMode.GroupWrite);
        File.SetUnixFileMode(Path.Combine(source, "train", "b"), UnixFileMode.None);
        try
        {
            var psi = new ProcessStartInfo("setpriv") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "--reuid=65534", "--regid=65534", "--clear-groups", "dotnet", AlexNetProcess.ProgramPath, "prepare", source, output, "--size", "72" })
                psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            Assert.True(p.WaitForExit(TimeSpan.FromMinutes(2)));
            string err = await stderr, outText = await stdout;
            Assert.True(p.ExitCode == 0, err);
            Assert.Matches(@"train: 4 images stored \(\d+ converted\), 0 skipped, 1 other files ignored, 1 empty class folder\(s\), 1 unreadable class folder\(s\) skipped", outText);
            Assert.Contains($"warning: {Path.Combine(source, "train", "b")}: cannot read the class folder", err);
            Assert.DoesNotContain("   at ", err);
            Assert.Contains(File.ReadAllLines(Path.Combine(output, "prepare-report.tsv")), l => l.StartsWith("train\tb/\tskipped\tcannot read the class folder", StringComparison.Ordinal));
            Assert.Equal(new[] { "a", "b", "c" }, File.ReadAllLines(Path.Combine(output, "classes.txt")));
        }
        finally { File.SetUnixFileMode(Path.Combine(source, "train", "b"), Open); }
    }

    /// <summary>
    /// The last-resort handler: an exception no check foresaw (here: import's output under a file)
    /// is one line and exit 1; ALEXNET_DEBUG=1 adds the stack trace.
    /// </summary>
    [Fact]
    public void An_unforeseen_exception_is_one_line_and_exit_1_with_the_stack_trace_only_under_ALEXNET_DEBUG()
    {
        var file = WriteFile("afile", "x");
        string[] args = { "import", "fashion-mnist", "/usr/share/datasets/fashion-mnist", Path.Combine(file, "out"), "--limit", "10" };
        var r = AlexNetProcess.Run(TimeSpan.FromMinutes(2), args);
        Assert.Equal(1, r.ExitCode);
        var line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("alexnet import: unexpected error: System.IO.", line);
        Assert.Contains("ALEXNET_DEBUG=1", line);

        var debug = AlexNetProcess.Run(TimeSpan.FromMinutes(2), new Dictionary<string, string> { ["ALEXNET_DEBUG"] = "1" }, args);
        Assert.Equal(1, debug.ExitCode);
        Assert.Contains("alexnet import: unexpected error: System.IO.", debug.Stderr);
        Assert.Contains("   at ", debug.Stderr);
    }
}
