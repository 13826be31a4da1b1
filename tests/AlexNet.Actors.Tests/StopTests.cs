using AlexNet.Actors.Hosting;
using AlexNet.Actors.Protocol;
using AlexNet.Actors.Training;
using Xunit;

namespace AlexNet.Actors.Tests;

/// <summary>A run asked to stop (SIGINT/SIGTERM in `train`) ends where it can resume from, and a resumed run continues exactly.</summary>
public class StopTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stop-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private TrainingSettings Settings(string? checkpoints) => new()
    {
        BatchSize = 16, Epochs = 2, Seed = 4, LogEvery = 1, Validate = true, CheckpointDir = checkpoints, CheckpointEverySteps = 0,
    };

    /// <summary>Runs until the event after which <paramref name="stopWhen"/> is true, then asks it to stop.</summary>
    private static async Task<(List<object> Events, TrainingStopped? Stopped)> Run(TrainingSettings settings, Func<object, bool>? stopWhen)
    {
        var events = new List<object>();
        var stop = new StopSignal();
        try
        {
            await LocalRun.RunAsync(new LocalRunOptions(TestSetup.Tiny(2), settings, TestSetup.Data(train: 128, validation: 32), TestSetup.Augmentation, Loaders: 2),
                e => { lock (events) events.Add(e); if (stopWhen?.Invoke(e) == true) stop.Request("test"); }, stop: stop);
            return (events, null);
        }
        catch (TrainingStoppedException e) { return (events, e.Stopped); }
    }

    [Fact]
    public async Task A_stop_mid_epoch_checkpoints_the_step_in_progress_and_the_resumed_run_computes_what_an_unstopped_one_does()
    {
        var (whole, _) = await Run(Settings(null), null);
        var wholeLosses = whole.OfType<StepCompleted>().Select(s => s.Loss).ToArray();
        Assert.Equal(16, wholeLosses.Length); // 2 epochs of 8 batches

        var (first, stopped) = await Run(Settings(_dir), e => e is StepCompleted { Step: 2 });
        Assert.NotNull(stopped);
        Assert.InRange(stopped!.Steps, 3, 7); // the step in progress when the request came, at the latest the next
        Assert.Equal(Path.Combine(_dir, $"step-{stopped.Steps:D9}"), stopped.Checkpoint);
        Assert.True(Directory.Exists(stopped.Checkpoint));
        Assert.Equal(stopped.Steps, first.OfType<StepCompleted>().Count());

        var (rest, again) = await Run(Settings(_dir), null);
        Assert.Null(again);
        var steps = rest.OfType<StepCompleted>().ToArray();
        Assert.Equal(stopped.Steps, steps[0].Step);
        Assert.Equal(wholeLosses[(int)stopped.Steps..], steps.Select(s => s.Loss));
        Assert.Equal(whole.OfType<EpochCompleted>().Select(e => e.ValidationTop1Error), rest.OfType<EpochCompleted>().Select(e => e.ValidationTop1Error));
    }

    [Fact]
    public async Task A_stop_at_an_epochs_last_step_validates_that_epoch_first()
    {
        // Asked once step 6 is done, the request reaches the coordinator during step 7, the epoch's last.
        var (events, stopped) = await Run(Settings(_dir), e => e is StepCompleted { Step: 6 });
        Assert.NotNull(stopped);
        Assert.Equal(8, stopped!.Steps);
        var epoch = Assert.Single(events.OfType<EpochCompleted>());
        Assert.NotNull(epoch.ValidationTop1Error);
        Assert.True(events.IndexOf(epoch) < events.FindIndex(e => e is CheckpointWritten { Step: 8, EpochEnd: true }));
        Assert.IsType<TrainingStopped>(events[^1]);
    }

    [Fact]
    public async Task A_stop_during_the_last_step_lets_the_run_finish()
    {
        var (events, stopped) = await Run(Settings(_dir), e => e is StepCompleted { Step: 15 });
        Assert.Null(stopped);
        Assert.IsType<TrainingFinished>(events[^1]);
    }

    [Fact]
    public async Task The_same_command_after_the_run_finished_trains_nothing_and_reports_the_same_steps_and_epochs()
    {
        var (first, _) = await Run(Settings(_dir), null);
        var done = Assert.IsType<TrainingFinished>(first[^1]);
        Assert.Equal((16L, 2), (done.Steps, done.Epochs));
        var (again, _) = await Run(Settings(_dir), null);
        Assert.Empty(again.OfType<StepCompleted>());
        var redone = Assert.IsType<TrainingFinished>(again[^1]);
        Assert.Equal((16L, 2), (redone.Steps, redone.Epochs)); // was 3: the epoch after the last, counted as begun
    }
}
