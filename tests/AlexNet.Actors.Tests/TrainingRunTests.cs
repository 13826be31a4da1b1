using AlexNet.Actors.Hosting;
using AlexNet.Actors.Protocol;
using AlexNet.Actors.Training;
using Xunit;
using static TorchSharp.torch;

namespace AlexNet.Actors.Tests;

public class TrainingRunTests
{
    [Fact]
    public async Task On_a_learnable_synthetic_task_the_loss_falls_clearly()
    {
        var settings = new TrainingSettings { BatchSize = 32, Epochs = 5, LearningRate = 0.01, Seed = 1, LogEvery = 0 };
        var events = new List<object>();
        var result = await LocalRun.RunAsync(new LocalRunOptions(TestSetup.Tiny(2), settings, TestSetup.Data(train: 1024, validation: 256),
            TestSetup.Augmentation, Loaders: 2), e => { lock (events) events.Add(e); });
        var firstLosses = result.Losses.Take(10).Average();
        var lastLosses = result.Losses.TakeLast(10).Average();
        Assert.True(lastLosses < 0.6 * firstLosses, $"loss went from {firstLosses:F3} to {lastLosses:F3}");
        Assert.True(result.FinalValidationTop1Error < 0.5, $"validation top-1 error {result.FinalValidationTop1Error:P1}");
        Assert.Equal(5, events.OfType<EpochCompleted>().Count());
    }

    [Fact]
    public async Task A_diverging_run_stops_at_the_first_non_finite_loss_saying_so()
    {
        // A learning rate of 1e12 blows the weights up after the first update: the next loss is not finite.
        var settings = new TrainingSettings { BatchSize = 16, Epochs = 1, MaxSteps = 20, LearningRate = 1e12, Seed = 4, LogEvery = 1, Validate = false };
        var steps = new List<StepCompleted>();
        var failure = await Assert.ThrowsAsync<TrainingFailedException>(() => LocalRun.RunAsync(new LocalRunOptions(TestSetup.Tiny(2), settings,
            TestSetup.Data(train: 320, validation: 16), TestSetup.Augmentation, Loaders: 1), e => { if (e is StepCompleted s) lock (steps) steps.Add(s); }));
        Assert.Matches(@"^step \d+: the loss is (NaN|∞|-∞|Infinity|-Infinity) \(diverged; lower the learning rate\)$", failure.Message);
        long failedAt = long.Parse(failure.Message.Split(' ', ':')[1]);
        Assert.InRange(failedAt, 1, 5);
        Assert.Equal(failedAt, steps.Count); // every step before it completed, the diverged one did not
        Assert.All(steps, s => Assert.True(float.IsFinite(s.Loss)));
    }

    [Fact]
    public async Task A_damaged_image_is_left_out_with_a_notice_and_the_run_goes_on()
    {
        var settings = new TrainingSettings { BatchSize = 8, Epochs = 2, LearningRate = 0.005, Seed = 2, LogEvery = 1, Validate = true, ValidationBatchSize = 8 };
        var data = TestSetup.Data(train: 64, validation: 16);
        var damaged = data with { Train = new DamagedImages(data.Train, 13), Validation = new DamagedImages(data.Validation, 4) };
        var events = new List<object>();
        var result = await LocalRun.RunAsync(new LocalRunOptions(TestSetup.Tiny(2), settings, damaged, TestSetup.Augmentation, Loaders: 2),
            e => { lock (events) events.Add(e); });
        Assert.Equal(16, result.Steps); // both epochs, every batch
        var notices = events.OfType<RunNotice>().Where(n => n.Message.Contains("unreadable")).Select(n => n.Message).ToList();
        // Once per epoch each: image 13 in its training batch, image 4 in its validation batch.
        Assert.Equal(2, notices.Count(n => n.StartsWith("Train batch ") && n.Contains("left out 1 unreadable image(s), kept 7: image 13: damaged record 13")));
        Assert.Equal(2, notices.Count(n => n.StartsWith("Validation batch 1 of epoch ") && n.Contains("image 4: damaged record 4")));
        Assert.Equal(4, notices.Count);
    }

    /// <summary>A dataset whose image <paramref name="damaged"/> cannot be read, as a corrupt record in a shard.</summary>
    private sealed class DamagedImages(AlexNet.Data.IImageDataset inner, int damaged) : AlexNet.Data.IImageDataset
    {
        public int Count => inner.Count;
        public IReadOnlyList<string> ClassNames => inner.ClassNames;
        public int ImageSide => inner.ImageSide;
        public int Label(int index) => inner.Label(index);

        public void ReadPixels(int index, Span<byte> rgbHwc)
        {
            if (index == damaged) throw new AlexNet.Data.DataFormatException($"damaged record {index}");
            inner.ReadPixels(index, rgbHwc);
        }
    }
}
