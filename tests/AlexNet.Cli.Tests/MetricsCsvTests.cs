using AlexNet.Actors.Protocol;
using AlexNet.Cli.Telemetry;
using Xunit;

namespace AlexNet.Cli.Tests;

public sealed class MetricsCsvTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("alexnet-metrics-").FullName;

    private static StepCompleted Step(long index, float loss) =>
        new(index, 0, (int)index, 100, loss, 0.5, 0.1, 0.01, 100, TimeSpan.FromSeconds(index), null);

    [Fact]
    public void A_rollback_keeps_the_steps_up_to_the_checkpoint_and_the_steps_trained_again_replace_the_others()
    {
        using (var csv = new MetricsCsv(_dir))
        {
            for (int i = 0; i < 6; i++) csv.Add(Step(i, 10 + i)); // steps 1..6; the run dies after step 6
        }
        using (var csv = new MetricsCsv(_dir)) // resumed from the checkpoint of step 4
        {
            var kept = csv.RollBackTo(4);
            Assert.Equal(new long[] { 1, 2, 3, 4 }, kept.Select(r => r.Step));
            Assert.Equal(13, kept[^1].Loss);
            for (int i = 4; i < 8; i++) csv.Add(Step(i, 20 + i));
        }
        var lines = File.ReadAllLines(Path.Combine(_dir, "metrics.csv"));
        Assert.Equal(MetricsCsv.Header, lines[0]);
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(new[] { "1", "2", "3", "4", "5", "6", "7", "8" }, rows.Select(r => r[1]));
        Assert.Equal(new[] { "10", "11", "12", "13", "24", "25", "26", "27" }, rows.Select(r => r[3]));
    }

    [Fact]
    public void Fp16_steps_record_their_loss_scale_and_a_file_begun_without_those_columns_gets_them_named_on_resume()
    {
        var path = Path.Combine(_dir, "metrics.csv");
        var oldHeader = "kind,step,epoch,loss,top1_error,top5_error,val_loss,val_top1_error,val_top5_error,learning_rate,images_per_second,seconds";
        File.WriteAllLines(path, new[] { oldHeader, "step,1,1,10,0.5,0.1,,,,0.01,100,0" });
        using (var csv = new MetricsCsv(_dir))
        {
            Assert.Single(csv.RollBackTo(1));
            csv.Add(Step(1, 11) with { Fp16 = new LossScaleState(32768, 3) });
            csv.Add(Step(2, 12));
        }
        var lines = File.ReadAllLines(path);
        Assert.Equal(MetricsCsv.Header, lines[0]);
        Assert.EndsWith(",loss_scale,skipped_steps", lines[0]);
        Assert.EndsWith(",32768,3", lines[2]);
        Assert.EndsWith(",,", lines[3]); // not an fp16 step
        Assert.Equal(lines[0].Split(',').Length, lines[2].Split(',').Length);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
