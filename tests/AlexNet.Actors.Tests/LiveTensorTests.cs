using AlexNet.Actors.Hosting;
using AlexNet.Actors.Protocol;
using AlexNet.Actors.Training;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace AlexNet.Actors.Tests;

/// <summary>
/// Tests that count every live tensor of the process (<see cref="Tensor.TotalCount"/>): they run alone,
/// after the parallel ones, since any other test's tensors would count too (one run's figures moved by
/// 41 that way on CI).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TensorCountingCollection
{
    public const string Name = "Tensor counting";
}

[Collection(TensorCountingCollection.Name)]
public class LiveTensorTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Live_tensors_stay_flat_over_200_steps()
    {
        var settings = new TrainingSettings { BatchSize = 8, Epochs = 1, MaxSteps = 200, LearningRate = 0.005, Seed = 2, LogEvery = 10, Validate = false };
        // Tensors other tests dropped without disposing are freed by finalizers, whenever the GC runs:
        // run them now, or they leave the count during the measurement.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var counts = new List<(long Step, long Live)>();
        await LocalRun.RunAsync(new LocalRunOptions(TestSetup.Tiny(2), settings, TestSetup.Data(train: 1600, validation: 64),
            TestSetup.Augmentation, Loaders: 2), e =>
        {
            if (e is StepCompleted s) lock (counts) counts.Add((s.Step, Tensor.TotalCount));
        });
        Assert.Equal(20, counts.Count);
        // After warm-up (step 20) the count may wobble by one step's worth of tensors, never grow with the steps.
        var afterWarmup = counts.Where(c => c.Step >= 19).Select(c => c.Live).ToList();
        output.WriteLine($"live tensors from step 20 on: {string.Join(",", afterWarmup)}");
        Assert.True(afterWarmup.Max() - afterWarmup.Min() <= 40, $"live tensors ranged {afterWarmup.Min()}..{afterWarmup.Max()}: {string.Join(",", afterWarmup)}");
    }
}
