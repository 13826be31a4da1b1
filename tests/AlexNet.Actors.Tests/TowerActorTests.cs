using Akka.Actor;
using Akka.TestKit.Xunit2;
using AlexNet.Actors.Protocol;
using AlexNet.Actors.Towers;
using AlexNet.Model;
using Xunit;
using static TorchSharp.torch;

namespace AlexNet.Actors.Tests;

public class TowerActorTests() : TestKit(TestSetup.Akka)
{
    private IActorRef ReadyTower(AlexNetConfig config, int index)
    {
        var tower = Sys.ActorOf(TowerActor.Props("cpu", 1));
        var weights = PaperInit.TowerWeights(config, seed: 1)[index];
        var data = TestSetup.Data();
        tower.Tell(new InitializeTower(index, config, weights, 0.9, 5e-4, MomentumForm.Paper, 1, data.Statistics));
        var ready = ExpectMsg<TowerReady>(TimeSpan.FromSeconds(30));
        Assert.Equal(index, ready.Index);
        return tower;
    }

    [Fact]
    public void A_tower_runs_a_whole_step_through_its_protocol()
    {
        var config = TestSetup.Tiny(2);
        var tower = ReadyTower(config, 1);
        var batch = TestSetup.TrainBatch(TestSetup.Data(), 1, 8, 0, 0);

        tower.Tell(new BeginStep(0, batch, Train: true));
        var stem = ExpectMsg<SegmentOutput>(TimeSpan.FromSeconds(10));
        Assert.Equal((Segment.Stem, 1), (stem.Segment, stem.Tower));
        Assert.Equal(new long[] { 8, config.Conv2Channels / 2, config.Pool2Size, config.Pool2Size }, stem.Output.shape);

        // Pretend the other tower produced the same maps: the tower only needs a full-width input.
        long[] widths = { config.Conv2Channels, config.Conv5Channels * config.Pool5Size * config.Pool5Size, config.Fc6Units, config.Fc7Units };
        var outputs = new List<SegmentOutput> { stem };
        for (int s = 1; s <= 4; s++)
        {
            var full = s == 1 ? cat(new[] { stem.Output, stem.Output }, 1) : randn(8, widths[s - 1]);
            tower.Tell(new ForwardSegment(0, (Segment)s, full));
            var o = ExpectMsg<SegmentOutput>(TimeSpan.FromSeconds(10));
            Assert.Equal((Segment)s, o.Segment);
            outputs.Add(o);
        }
        Assert.Equal(new long[] { 8, config.ClassesOf(1) }, outputs[^1].Output.shape);

        for (int s = 4; s >= 1; s--)
        {
            tower.Tell(new BackwardSegment(0, (Segment)s, ones_like(outputs[s].Output)));
            var g = ExpectMsg<InputGradient>(TimeSpan.FromSeconds(10));
            Assert.Equal(s == 1 ? new long[] { 8, config.Conv2Channels, config.Pool2Size, config.Pool2Size } : new long[] { 8, widths[s - 1] }, g.Gradient.shape);
        }
        tower.Tell(new BackwardSegment(0, Segment.Stem, ones_like(stem.Output)));
        ExpectMsg<BackwardDone>(TimeSpan.FromSeconds(10));

        tower.Tell(new GetTowerWeights()); // mid-step: answered once the step has ended
        tower.Tell(new ApplyUpdate(0, 0.01));
        ExpectMsg<UpdateApplied>(TimeSpan.FromSeconds(10));
        Assert.Equal(1, ExpectMsg<TowerWeights>().Index);
    }

    [Fact]
    public void An_update_changes_the_weights_and_the_tower_is_idle_again()
    {
        var config = TestSetup.Tiny(2);
        var tower = ReadyTower(config, 0);
        tower.Tell(new GetTowerWeights());
        var before = ExpectMsg<TowerWeights>();
        var batch = TestSetup.TrainBatch(TestSetup.Data(), 1, 4, 0, 0);
        tower.Tell(new BeginStep(7, batch, Train: true));
        var stem = ExpectMsg<SegmentOutput>(TimeSpan.FromSeconds(10));
        tower.Tell(new BackwardSegment(7, Segment.Stem, ones_like(stem.Output)));
        ExpectMsg<BackwardDone>(TimeSpan.FromSeconds(10));
        tower.Tell(new ApplyUpdate(7, 0.01));
        ExpectMsg<UpdateApplied>(TimeSpan.FromSeconds(10));
        tower.Tell(new GetTowerWeights());
        var after = ExpectMsg<TowerWeights>();
        Assert.False(before.Parameters["conv1.weight"].allclose(after.Parameters["conv1.weight"]));
        Assert.True(before.Parameters["fc6.weight"].equal(after.Parameters["fc6.weight"]).all().item<bool>()); // no gradient reached fc6
    }

    [Fact]
    public void An_fp16_step_that_overflows_reports_it_and_a_skipped_update_leaves_weights_momentum_and_gradients_clean()
    {
        var config = TestSetup.Tiny(2);
        var data = TestSetup.Data();
        var fp16 = new ComputeOptions { Precision = Precision.Fp16 };
        IActorRef Fp16Tower()
        {
            var tower = Sys.ActorOf(TowerActor.Props("cpu", 1));
            tower.Tell(new InitializeTower(0, config, PaperInit.TowerWeights(config, seed: 1)[0], 0.9, 5e-4, MomentumForm.Paper, 1, data.Statistics, Compute: fp16));
            ExpectMsg<TowerReady>(TimeSpan.FromSeconds(30));
            return tower;
        }
        bool Step(IActorRef tower, long step, double scale, bool skip, double gradient = 1e-3)
        {
            tower.Tell(new BeginStep(step, TestSetup.TrainBatch(data, 1, 4, 0, 0), Train: true, LossScale: scale));
            var stem = ExpectMsg<SegmentOutput>(TimeSpan.FromSeconds(10));
            using TorchSharp.Scalar value = gradient;
            tower.Tell(new BackwardSegment(step, Segment.Stem, full_like(stem.Output, value)));
            bool finite = ExpectMsg<BackwardDone>(TimeSpan.FromSeconds(10)).GradientsFinite;
            tower.Tell(new ApplyUpdate(step, 0.01, Skip: skip));
            ExpectMsg<UpdateApplied>(TimeSpan.FromSeconds(10));
            return finite;
        }
        TowerWeights Weights(IActorRef tower) { tower.Tell(new GetTowerWeights()); return ExpectMsg<TowerWeights>(); }

        var skipping = Fp16Tower();
        var before = Weights(skipping);
        // A gradient of 1e-3 per stem output times 2^24 is far past fp16's 65504 inside the convolutions.
        Assert.False(Step(skipping, 0, LossScaler.MaxScale, skip: true));
        var afterSkip = Weights(skipping);
        foreach (var (name, w) in before.Parameters)
        {
            Assert.True(w.equal(afterSkip.Parameters[name]).all().item<bool>(), $"{name} changed in a skipped step");
            Assert.True(before.Momentum[name].equal(afterSkip.Momentum[name]).all().item<bool>(), $"momentum of {name} changed in a skipped step");
        }

        // The next step starts from clean gradients: it ends where the same step ends on a tower that never overflowed.
        Assert.True(Step(skipping, 1, 2, skip: false));
        var clean = Fp16Tower();
        Assert.True(Step(clean, 1, 2, skip: false));
        var (a, b) = (Weights(skipping), Weights(clean));
        Assert.False(a.Parameters["conv1.weight"].equal(before.Parameters["conv1.weight"]).all().item<bool>(), "the applied step updated conv1");
        foreach (var (name, w) in a.Parameters)
            Assert.True(w.equal(b.Parameters[name]).all().item<bool>(), $"{name}: the skipped step's gradients leaked into the next one");

        // At a scale of 1 the check still runs: gradients that overflow fp16 unscaled are reported too.
        Assert.False(Step(clean, 2, 1, skip: true, gradient: 1e6));
    }

    [Fact]
    public void A_message_for_the_wrong_step_breaks_the_tower_and_it_refuses_further_work()
    {
        var config = TestSetup.Tiny(2);
        var tower = ReadyTower(config, 0);
        tower.Tell(new BeginStep(1, TestSetup.TrainBatch(TestSetup.Data(), 1, 4, 0, 0), Train: true));
        ExpectMsg<SegmentOutput>(TimeSpan.FromSeconds(10));
        tower.Tell(new ApplyUpdate(2, 0.01));
        var failed = ExpectMsg<TowerFailed>();
        Assert.Contains("step 2", failed.Reason);
        tower.Tell(new GetTowerWeights());
        ExpectNoMsg(TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public void Requests_left_over_from_a_replaced_coordinator_are_ignored_and_their_tensors_freed()
    {
        var config = TestSetup.Tiny(2);
        var fresh = Sys.ActorOf(TowerActor.Props("cpu", 1));
        var early = zeros(4, 8);
        fresh.Tell(new ForwardSegment(7, Segment.Trunk, early));
        AwaitCondition(() => early.IsInvalid, TimeSpan.FromSeconds(10));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        var tower = ReadyTower(config, 0);
        var between = zeros(4, 8);
        tower.Tell(new BackwardSegment(7, Segment.Fc8, between));
        AwaitCondition(() => between.IsInvalid, TimeSpan.FromSeconds(10));
        tower.Tell(new BeginStep(1, TestSetup.TrainBatch(TestSetup.Data(), 1, 4, 0, 0), Train: true)); // not broken by it
        Assert.Equal(Segment.Stem, ExpectMsg<SegmentOutput>(TimeSpan.FromSeconds(10)).Segment);
    }
}
