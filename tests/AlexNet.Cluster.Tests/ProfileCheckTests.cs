using AlexNet.Actors.Training;
using AlexNet.Cluster.Hosting;
using AlexNet.Cluster.Protocol;
using AlexNet.Data;
using AlexNet.Model;
using Xunit;

namespace AlexNet.Cluster.Tests;

/// <summary>What a joining node is compared on, by role.</summary>
public sealed class ProfileCheckTests
{
    private static readonly AlexNetConfig Model = new() { Towers = 2, Classes = 10, Width = 0.25, Crop = 64 };
    private static readonly TrainingSettings Training = new() { BatchSize = 16, MaxSteps = 150, CheckpointDir = "/shared/ck", Seed = 1 };

    private static NodeProfile Profile(TrainingSettings t, AlexNetConfig? model = null, string source = "synthetic") =>
        new(model ?? Model, t.Seed, new AugmentationSettings(64, true, 0.1), source, RunTerms.Of(t));

    [Fact]
    public void A_coordinator_node_is_checked_for_the_settings_that_decide_the_run_naming_each_key()
    {
        var other = Training with { BatchSize = 32, LearningRate = 0.02, CheckpointDir = "/elsewhere", Schedule = new ScheduleSettings(Kind: "step") };
        var refusal = ProfileCheck.Refusal(Profile(Training), Profile(other), isLoader: false, isCoordinator: true);
        Assert.NotNull(refusal);
        Assert.StartsWith("run configuration differs from the coordinator's (a coordinator node must be able to take the run over): ", refusal);
        Assert.Contains("alexnet.train.batch-size: this node has 32, the coordinator 16", refusal);
        Assert.Contains("alexnet.train.learning-rate: this node has 0.02, the coordinator 0.01", refusal);
        Assert.Contains("alexnet.checkpoint.dir: this node has /elsewhere, the coordinator /shared/ck", refusal);
        Assert.Contains("alexnet.train.schedule.kind: this node has step, the coordinator plateau", refusal);
        Assert.Null(ProfileCheck.Refusal(Profile(Training), Profile(Training with { LogEvery = 1, StepTimeout = TimeSpan.FromSeconds(5) }), false, true));
    }

    [Fact]
    public void A_coordinator_node_is_checked_for_the_model_seed_and_data_as_a_loader_is()
    {
        var refusal = ProfileCheck.Refusal(Profile(Training), Profile(Training with { Seed = 2 }, Model with { Width = 0.5 }, "/data/other"), false, true);
        Assert.StartsWith("model configuration differs from the coordinator's: ", refusal);
        Assert.Contains("alexnet.model.width: this node has 0.5, the coordinator 0.25", refusal);
        Assert.Contains("alexnet.train.seed: this node has 2, the coordinator 1", refusal);
        Assert.Contains("alexnet.data.source: this node has /data/other, the coordinator synthetic", refusal);
    }

    [Fact]
    public void Tower_and_loader_nodes_are_not_checked_for_the_training_settings()
    {
        var other = Profile(Training with { BatchSize = 32, CheckpointDir = null });
        Assert.Null(ProfileCheck.Refusal(Profile(Training), other, isLoader: false));
        Assert.Null(ProfileCheck.Refusal(Profile(Training), other, isLoader: true));
    }
}
