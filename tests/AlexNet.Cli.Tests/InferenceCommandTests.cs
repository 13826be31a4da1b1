using System.Globalization;
using System.Text.Json;
using AlexNet.Actors.Inference;
using Xunit;

namespace AlexNet.Cli.Tests;

[Collection(TrainedRunCollection.Name)]
public class InferenceCommandTests(TrainedRunFixture run)
{
    private static AlexNetProcess.Result Alexnet(params string[] args) => AlexNetProcess.Run(TrainedRunFixture.Timeout, args);

    [Fact]
    public void Eval_json_parses_and_its_centre_crop_error_is_the_trainers_last_validation_error()
    {
        var r = TrainedRunFixture.Must(Alexnet("eval", "--checkpoint", run.Checkpoints, "--data", run.Data, "--ten-crop", "--json"));
        using var json = JsonDocument.Parse(r.Stdout);
        var root = json.RootElement;
        Assert.Equal("val", root.GetProperty("split").GetString());
        double top1 = root.GetProperty("centre").GetProperty("top1Error").GetDouble();
        double tenTop5 = root.GetProperty("tenCrop").GetProperty("top5Error").GetDouble();
        Assert.InRange(tenTop5, 0, 1);
        Assert.True(root.GetProperty("step").GetInt64() > 0);

        // The trainer validates on the same centre crops: its last epoch row must agree.
        var lastEpoch = File.ReadAllLines(Path.Combine(run.RunFolder, "metrics.csv")).Last(l => l.StartsWith("epoch,")).Split(',');
        Assert.Equal(double.Parse(lastEpoch[7], CultureInfo.InvariantCulture), top1, tolerance: 1e-4);
    }

    [Fact]
    public void Export_then_import_then_export_is_bit_exact_for_safetensors_and_pt()
    {
        var a = run.In("export-a.safetensors");
        TrainedRunFixture.Must(Alexnet("export", "--checkpoint", run.Checkpoints, "--out", a));
        var imported = run.In("imported");
        TrainedRunFixture.Must(Alexnet("import-weights", "--from", a, "--out", imported, "--data", run.Data));
        var b = run.In("export-b.safetensors");
        TrainedRunFixture.Must(Alexnet("export", "--checkpoint", imported, "--out", b));
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));

        var pt = run.In("export.pt");
        TrainedRunFixture.Must(Alexnet("export", "--checkpoint", run.Checkpoints, "--out", pt));
        var fromPt = run.In("imported-pt");
        TrainedRunFixture.Must(Alexnet("import-weights", "--from", pt, "--out", fromPt, "--crop", "64"));
        var c = run.In("export-c.safetensors");
        TrainedRunFixture.Must(Alexnet("export", "--checkpoint", fromPt, "--out", c));
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(c));
    }

    [Fact]
    public void Filters_draws_every_kernel_in_one_block_per_tower()
    {
        var png = run.In("conv1.png");
        TrainedRunFixture.Must(Alexnet("filters", "--checkpoint", run.Checkpoints, "--out", png, "--scale", "4"));
        var (width, height, colours) = PngFile.Inspect(png);
        // width 0.25: 24 kernels, 12 per tower in one row of 12; cells of 11·4 px with 4 px gaps, 16 px between towers.
        Assert.Equal((4 + 12 * (44 + 4), 4 + 2 * (44 + 4) + 16), (width, height));
        Assert.True(colours > 200, $"only {colours} colours: the picture is (nearly) blank");
    }

    [Fact]
    public void Predict_gives_the_top_five_classes_of_a_photo_with_probabilities()
    {
        var r = TrainedRunFixture.Must(Alexnet("predict", "--checkpoint", run.Checkpoints, "--json", TrainedRunFixture.Photo));
        using var json = JsonDocument.Parse(r.Stdout.Trim());
        var top = json.RootElement.GetProperty("top").EnumerateArray().ToList();
        Assert.Equal(5, top.Count);
        var p = top.Select(t => t.GetProperty("probability").GetDouble()).ToList();
        Assert.True(p.SequenceEqual(p.OrderByDescending(x => x)) && p.Sum() <= 1.0001 && p.All(x => x >= 0));
        var classes = File.ReadAllLines(Path.Combine(run.Data, "classes.txt"));
        Assert.All(top, t => Assert.Contains(t.GetProperty("name").GetString(), classes));
    }

    [Fact]
    public void Neighbours_draws_one_row_per_query_with_the_query_first()
    {
        var png = run.In("nn.png");
        var r = TrainedRunFixture.Must(Alexnet("neighbours", "--checkpoint", run.Checkpoints, "--data", run.Data, "--query", TrainedRunFixture.Photo,
            TrainedRunFixture.Photo, "--k", "3", "--limit", "200", "--out", png));
        Assert.Equal(6, r.Stdout.Split('\n').Count(l => l.Contains("distance")));
        var (width, height, colours) = PngFile.Inspect(png);
        // columns: 4 + 72 + 16 (query gap) + 3 · (72 + 4); rows: 4 + 2 · (72 + 4)
        Assert.Equal((4 + 72 + 16 + 3 * 76, 4 + 2 * 76), (width, height));
        Assert.True(colours > 50);
    }

    [Fact]
    public void Training_left_a_run_folder_with_metrics_curves_filters_and_valid_tensorboard_events()
    {
        var csv = File.ReadAllLines(Path.Combine(run.RunFolder, "metrics.csv"));
        Assert.StartsWith("kind,step,epoch,loss", csv[0]);
        Assert.Equal(2, csv.Count(l => l.StartsWith("epoch,")));
        Assert.Equal((900, 540), PngFile.Inspect(Path.Combine(run.RunFolder, "curves.png")) is var c ? (c.Width, c.Height) : default);
        Assert.True(PngFile.Inspect(Path.Combine(run.RunFolder, "filters.png")).Colours > 200);
        var events = Assert.Single(Directory.GetFiles(run.RunFolder, "events.out.tfevents.*"));
        var records = TfRecords.Read(File.ReadAllBytes(events));
        Assert.True(records.Count > 10);
        Assert.Contains(records, r => ContainsAscii(r, "epoch/val_top1_error"));
        Assert.Contains(records, r => ContainsAscii(r, "conv1/filters") && ContainsAscii(r, "\u0089PNG"));
        Assert.True(File.Exists(Path.Combine(run.Checkpoints, DatasetAssets.StatisticsFile)));
    }

    private static bool ContainsAscii(byte[] data, string text) =>
        data.AsSpan().IndexOf(text.Select(ch => (byte)ch).ToArray()) >= 0;

    [Fact]
    public void A_missing_checkpoint_gives_one_line_naming_it_and_exit_2()
    {
        var missing = run.In("no-such-run");
        var r = Alexnet("eval", "--checkpoint", missing, "--data", run.Data);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(missing, Assert.Single(r.Stderr.Trim().Split('\n')));
    }

    [Fact]
    public void An_unreadable_image_gives_one_line_naming_it_and_exit_2()
    {
        var notAnImage = run.In("not-an-image.jpg");
        File.WriteAllText(notAnImage, "this is text");
        var r = Alexnet("predict", "--checkpoint", run.Checkpoints, notAnImage);
        Assert.Equal(2, r.ExitCode);
        var line = Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.Contains(notAnImage, line);
        Assert.Contains("expected", line);
    }

    [Fact]
    public void Weights_for_another_model_configuration_give_one_line_and_exit_2()
    {
        var weights = run.In("config-check.safetensors");
        TrainedRunFixture.Must(Alexnet("export", "--checkpoint", run.Checkpoints, "--out", weights));
        var r = Alexnet("import-weights", "--from", weights, "--out", run.In("one-tower"), "--towers", "1");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--towers 2", Assert.Single(r.Stderr.Trim().Split('\n')));
    }
}
