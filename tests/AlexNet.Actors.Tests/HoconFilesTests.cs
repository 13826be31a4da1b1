using AlexNet.Actors.Hosting;
using AlexNet.Model;
using Xunit;

namespace AlexNet.Actors.Tests;

/// <summary>The embedded presets and the check that a --config file only sets keys the trainer knows.</summary>
public sealed class HoconFilesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("alexnet-hocon-").FullName;
    private static readonly Dictionary<string, string> NoOverrides = new();

    public static TheoryData<string> Presets()
    {
        var data = new TheoryData<string>();
        foreach (var name in HoconFiles.Names.Where(n => n.StartsWith("presets/")))
            data.Add(name["presets/".Length..^".conf".Length]);
        return data;
    }

    [Theory]
    [MemberData(nameof(Presets))]
    public void Every_preset_sets_only_known_keys_and_makes_a_valid_run_configuration(string preset)
    {
        var config = HoconFiles.Load($"preset:{preset}", NoOverrides);
        var run = RunConfiguration.From(config);
        Assert.True(run.Model.Width > 0);
    }

    [Fact]
    public void The_cpu_fashion_mnist_preset_is_the_measured_one()
    {
        var run = RunConfiguration.From(HoconFiles.Load("preset:fashion-mnist-cpu", NoOverrides));
        Assert.Equal((0.5, 96, 0.5, 38), (run.Model.Width, run.Model.Crop, run.Model.Dropout, run.Training.Epochs));
        Assert.Equal(5, run.Training.Schedule.Patience);
    }

    [Fact]
    public void A_misspelt_key_is_refused_with_the_file_the_key_and_the_nearest_known_key()
    {
        var file = Write("typo.conf", "alexnet { train { schedule { patiense = 5 } } }");
        var e = Assert.Throws<ConfigurationFileException>(() => HoconFiles.Load(file, NoOverrides));
        Assert.Contains(file, e.Message);
        Assert.Contains("alexnet.train.schedule.patiense", e.Message);
        Assert.Contains("did you mean alexnet.train.schedule.patience?", e.Message);
    }

    [Fact]
    public void A_key_far_from_every_known_one_is_refused_without_a_guess()
    {
        var file = Write("far.conf", "alexnet.completely-unrelated-setting = 1");
        var e = Assert.Throws<ConfigurationFileException>(() => HoconFiles.Load(file, NoOverrides));
        Assert.Contains("alexnet.completely-unrelated-setting", e.Message);
        Assert.DoesNotContain("did you mean", e.Message);
    }

    [Fact]
    public void Known_training_and_cluster_keys_and_keys_outside_alexnet_are_accepted()
    {
        var file = Write("ok.conf", """
            alexnet.train.schedule.patience = 7
            alexnet.data.synthetic { train-images = 64, classes = 4 }
            alexnet.cluster { port = 4060, recovery.max-restarts = 3 }
            akka.loglevel = WARNING
            """);
        var config = HoconFiles.Load(file, NoOverrides);
        Assert.Equal(7, RunConfiguration.From(config).Training.Schedule.Patience);
    }

    [Fact]
    public void The_fp16_loss_scale_keys_are_read_and_a_bad_mode_or_interval_is_refused_naming_the_key()
    {
        var run = RunConfiguration.From(HoconFiles.Load(Write("fp16.conf",
            "alexnet.train { precision = fp16, loss-scale = 4096, loss-scale-mode = static, loss-scale-growth-interval = 500 }"), NoOverrides));
        Assert.Equal((Precision.Fp16, 4096.0, LossScaleMode.Static, 500),
            (run.Training.Compute.Precision, run.Training.Compute.LossScale, run.Training.Compute.LossScaleMode, run.Training.Compute.LossScaleGrowthInterval));
        var defaults = RunConfiguration.From(HoconFiles.Load(Write("plain.conf", "alexnet.train.precision = fp16"), NoOverrides)).Training.Compute;
        Assert.Equal((65536.0, LossScaleMode.Dynamic, 2000), (defaults.LossScale, defaults.LossScaleMode, defaults.LossScaleGrowthInterval));

        var mode = Assert.Throws<ConfigurationFileException>(() => RunConfiguration.From(HoconFiles.Load(Write("mode.conf", "alexnet.train.loss-scale-mode = auto"), NoOverrides)));
        Assert.Contains("alexnet.train.loss-scale-mode = auto: expected dynamic or static", mode.Message);
        var interval = Assert.ThrowsAny<Exception>(() => RunConfiguration.From(HoconFiles.Load(Write("interval.conf", "alexnet.train.loss-scale-growth-interval = 0"), NoOverrides)));
        Assert.Contains("loss-scale-growth-interval", interval.Message);
    }

    [Theory]
    [InlineData("alexnet.train.batch-size = 16\n}\nalexnet.train.epoch = 3\n", "line 2: '}' closes nothing")]
    [InlineData("alexnet { train { batch-size = 16 }\n", "line 1: '{' is never closed")]
    [InlineData("alexnet.data.cache-dir = [\"a\"}\n", "line 1: '}' closes the '[' opened on line 1")]
    [InlineData("alexnet.data.cache-dir = \"abc\n", "line 1: a quoted string is never closed")]
    [InlineData("a = 1\nalexnet.data.cache-dir = \"\"\"abc\n", "line 2: a triple-quoted string is never closed")]
    public void Unbalanced_braces_brackets_or_quotes_are_refused_naming_the_file_and_line(string text, string expected)
    {
        var file = Write("unbalanced.conf", text);
        var e = Assert.Throws<ConfigurationFileException>(() => HoconFiles.Load(file, NoOverrides));
        Assert.Contains($"--config {file}: {expected}", e.Message);
    }

    [Fact]
    public void Braces_inside_strings_and_comments_do_not_count()
    {
        var file = Write("quoted.conf", """"
            # a comment with { and ]
            alexnet.train { batch-size = 16 } // and } here
            alexnet.data.cache-dir = "a}b\"{"
            alexnet.telemetry.run-dir = """c}
            "[d]"""
            """");
        var config = HoconFiles.Load(file, NoOverrides);
        Assert.Equal(16, RunConfiguration.From(config).Training.BatchSize);
        Assert.Equal("a}b\"{", config.GetString("alexnet.data.cache-dir"));
    }

    [Fact]
    public void A_binary_file_is_refused_as_not_text()
    {
        var file = Path.Combine(_dir, "binary.conf");
        File.WriteAllBytes(file, new byte[] { (byte)'a', (byte)'=', (byte)'1', (byte)'\n', 0x00, 0x01, 0xFF, 0xFE, 0x7D });
        var e = Assert.Throws<ConfigurationFileException>(() => HoconFiles.Load(file, NoOverrides));
        Assert.Contains($"--config {file}: line 2:", e.Message);
        Assert.Contains("expected a HOCON text file", e.Message);
        File.WriteAllBytes(file, new byte[] { (byte)'a', (byte)'=', 0x01, (byte)'\n' });
        Assert.Contains("line 1: control character 0x01", Assert.Throws<ConfigurationFileException>(() => HoconFiles.Load(file, NoOverrides)).Message);
    }

    [Fact]
    public void Includes_are_read_beside_the_file_and_a_missing_one_is_named()
    {
        Write("sub.conf", "alexnet.train.epochs = 7\n");
        var file = Write("main.conf", "include \"sub.conf\"\nalexnet.train.batch-size = 16\n");
        var run = RunConfiguration.From(HoconFiles.Load(file, NoOverrides));
        Assert.Equal((7, 16), (run.Training.Epochs, run.Training.BatchSize));

        var missing = Write("missing.conf", "include \"nonexist.conf\"\n");
        var e = Assert.Throws<ConfigurationFileException>(() => HoconFiles.Load(missing, NoOverrides));
        Assert.Contains($"--config {missing}: included file nonexist.conf is missing", e.Message);

        var self = Write("self.conf", "include \"self.conf\"\n");
        Assert.Contains("includes nested deeper", Assert.Throws<ConfigurationFileException>(() => HoconFiles.Load(self, NoOverrides)).Message);
    }

    [Fact]
    public void An_unknown_preset_is_refused_listing_the_known_ones()
    {
        var e = Assert.Throws<ConfigurationFileException>(() => HoconFiles.Load("preset:bogus", NoOverrides));
        Assert.Contains("--config preset:bogus: unknown preset bogus (known: fashion-mnist-cpu", e.Message);
        Assert.Contains("quickstart", e.Message);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
