using AlexNet.Actors.Training;
using Xunit;

namespace AlexNet.Actors.Tests;

public class LearningRateScheduleTests
{
    [Fact]
    public void Plateau_divides_by_ten_after_patience_epochs_without_improvement_at_most_three_times()
    {
        var s = (LearningRateSchedule.Plateau)LearningRateSchedule.Create(new ScheduleSettings("plateau", 0.1, Patience: 2, MaxReductions: 3), 0.01, 90, 100, 0);
        double[] errors = { 0.5, 0.4, 0.41, 0.40, 0.39, 0.39, 0.39, 0.39, 0.39, 0.39, 0.39, 0.39 };
        var rates = new List<double>();
        foreach (var (e, i) in errors.Select((e, i) => (e, i)))
        {
            s.OnValidation(i, e);
            rates.Add(s.RateAt(0, i + 1));
        }
        // improvements at epochs 0,1,4; two stale epochs (2,3) → ÷10; then 5,6 → ÷10; 7,8 → ÷10; no more after three.
        Assert.Equal(new[] { 0.01, 0.01, 0.01, 0.001, 0.001, 0.001, 1e-4, 1e-4, 1e-5, 1e-5, 1e-5, 1e-5 }, rates, new Close());
        Assert.Equal(3, s.Reductions);
    }

    [Fact]
    public void Plateau_state_round_trips_for_checkpoints()
    {
        var a = LearningRateSchedule.Create(new ScheduleSettings("plateau", Patience: 1), 0.01, 90, 100, 0);
        a.OnValidation(0, 0.5); a.OnValidation(1, 0.6);
        var b = LearningRateSchedule.Create(new ScheduleSettings("plateau", Patience: 1), 0.01, 90, 100, 0);
        b.Restore(a.State);
        Assert.Equal(a.RateAt(0, 2), b.RateAt(0, 2));
        Assert.Equal(a.OnValidation(2, 0.55), b.OnValidation(2, 0.55));
    }

    [Fact]
    public void Step_schedule_multiplies_every_n_epochs()
    {
        var s = LearningRateSchedule.Create(new ScheduleSettings("step", 0.1, StepEpochs: 30), 0.01, 90, 100, 0);
        Assert.Equal(0.01, s.RateAt(0, 29.9), tolerance: 1e-12);
        Assert.Equal(0.001, s.RateAt(0, 30), tolerance: 1e-12);
        Assert.Equal(1e-4, s.RateAt(0, 60.5), tolerance: 1e-12);
    }

    [Fact]
    public void Cosine_warms_up_linearly_then_decays_to_the_minimum()
    {
        var s = LearningRateSchedule.Create(new ScheduleSettings("cosine", WarmupEpochs: 1, MinRate: 0.0), 0.1, 10, 100, 0);
        Assert.Equal(0.001, s.RateAt(0, 0), tolerance: 1e-12);
        Assert.Equal(0.1, s.RateAt(99, 0.99), tolerance: 1e-12);
        Assert.Equal(0.05, s.RateAt(100 + 450, 5.5), tolerance: 1e-6);
        Assert.True(s.RateAt(999, 9.99) < 1e-5);
    }

    [Fact]
    public void A_warm_up_ramps_any_schedule_linearly_and_keeps_its_state()
    {
        var s = LearningRateSchedule.Create(new ScheduleSettings("plateau", WarmupEpochs: 2), 0.01, 90, 10, 0);
        Assert.Equal(0.0005, s.RateAt(0, 0), tolerance: 1e-12);
        Assert.Equal(0.01, s.RateAt(19, 1.9), tolerance: 1e-12);
        Assert.Equal(0.01, s.RateAt(500, 50), tolerance: 1e-12);
        s.OnValidation(0, 0.5); s.OnValidation(1, 0.6); s.OnValidation(2, 0.6);
        Assert.Equal(0.001, s.RateAt(500, 50), tolerance: 1e-12);
        Assert.Equal(3, s.State.Length);
    }

    private sealed class Close : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= 1e-12 + 1e-9 * Math.Abs(y);
        public int GetHashCode(double obj) => 0;
    }
}
