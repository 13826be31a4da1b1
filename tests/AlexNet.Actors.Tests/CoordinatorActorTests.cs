using System.Collections.Concurrent;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using AlexNet.Actors.Coordination;
using AlexNet.Actors.Hosting;
using AlexNet.Actors.Protocol;
using AlexNet.Actors.Towers;
using AlexNet.Actors.Training;
using AlexNet.Data;
using Xunit;

namespace AlexNet.Actors.Tests;

public class CoordinatorActorTests() : TestKit(TestSetup.Akka)
{
    private static TrainingSettings Settings(int inFlight = 3, long steps = 0) => new()
    {
        BatchSize = 8, Epochs = 1, MaxSteps = steps, LogEvery = 1, Seed = 1, MaxBatchesInFlight = inFlight,
        StepTimeout = TimeSpan.FromSeconds(20), Validate = false,
    };

    private static DataDescription Describe(Loading.LoaderData d) =>
        new(d.Name, d.Train.Count, d.Validation.Count, d.Train.ClassNames, d.Train.ImageSide, d.Statistics);

    /// <summary>A loader that answers DescribeData and only records LoadBatch requests.</summary>
    private sealed class RecordingLoader : ReceiveActor
    {
        public RecordingLoader(DataDescription description, string name, ConcurrentQueue<(string Loader, LoadBatch Request, IActorRef ReplyTo)> log)
        {
            Receive<DescribeData>(_ => Sender.Tell(description));
            Receive<LoadBatch>(m => log.Enqueue((name, m, Sender)));
        }
    }

    [Fact]
    public void Back_pressure_never_more_batches_in_flight_than_allowed()
    {
        var data = TestSetup.Data(train: 128);
        var towers = Enumerable.Range(0, 2).Select(_ => Sys.ActorOf(TowerActor.Props("cpu", 1))).ToList();
        var log = new ConcurrentQueue<(string Loader, LoadBatch Request, IActorRef ReplyTo)>();
        var loaders = new[] { "a", "b" }.Select(n => Sys.ActorOf(Props.Create(() => new RecordingLoader(Describe(data), n, log)))).ToArray();
        var listener = CreateTestProbe();
        Sys.ActorOf(CoordinatorActor.Props(TestSetup.Tiny(2), Settings(inFlight: 3), towers, loaders, listener.Ref));

        // With nothing delivered the coordinator asks for exactly 3 batches, spread over both loaders.
        AwaitCondition(() => log.Count >= 3, TimeSpan.FromSeconds(30));
        Thread.Sleep(1000);
        Assert.Equal(3, log.Count);
        Assert.Equal(new[] { "a", "b" }, log.Select(l => l.Loader).Distinct().OrderBy(n => n));

        // Deliver batch 0 only: one step runs, and then exactly one more batch is asked for.
        var first = log.Single(l => l.Request.Index == 0);
        first.ReplyTo.Tell(new BatchReady(DataSplit.Train, TestSetup.TrainBatch(data, 1, 8, 0, 0), TimeSpan.Zero), loaders[0]);
        Assert.Equal(0, listener.ExpectMsg<TrainingStarted>(TimeSpan.FromSeconds(30)).FromStep); // always the first event
        Assert.Equal(0, listener.ExpectMsg<StepCompleted>(TimeSpan.FromSeconds(60)).Step);
        AwaitCondition(() => log.Count >= 4, TimeSpan.FromSeconds(10));
        Thread.Sleep(1000);
        Assert.Equal(4, log.Count);
        Assert.Equal(new[] { 0, 1, 2, 3 }, log.Select(l => l.Request.Index).OrderBy(i => i));
    }

    [Fact]
    public void A_batch_that_arrives_while_a_checkpoint_is_written_waits_for_it()
    {
        var data = TestSetup.Data(train: 128);
        var folder = Directory.CreateTempSubdirectory("alexnet-late-batch-").FullName;
        try
        {
            var towers = Enumerable.Range(0, 2).Select(_ => Sys.ActorOf(TowerActor.Props("cpu", 1))).ToList();
            var log = new ConcurrentQueue<(string Loader, LoadBatch Request, IActorRef ReplyTo)>();
            var loader = Sys.ActorOf(Props.Create(() => new RecordingLoader(Describe(data), "a", log)));
            var listener = CreateTestProbe();
            var settings = Settings(inFlight: 1, steps: 3) with { CheckpointDir = folder, CheckpointEverySteps = 1 };
            Sys.ActorOf(CoordinatorActor.Props(TestSetup.Tiny(2), settings, towers, new[] { loader }, listener.Ref));

            void Deliver(int index)
            {
                AwaitCondition(() => log.Any(l => l.Request.Index == index), TimeSpan.FromSeconds(30));
                log.Single(l => l.Request.Index == index).ReplyTo.Tell(
                    new BatchReady(DataSplit.Train, TestSetup.TrainBatch(data, 1, 8, 0, index), TimeSpan.Zero), loader);
            }
            Deliver(0);
            for (int step = 0; step < 3; step++)
            {
                listener.FishForMessage<StepCompleted>(m => m.Step == step, TimeSpan.FromSeconds(60));
                // The coordinator is now writing the checkpoint after this step: the next batch
                // arrives in the middle of it (the towers' shard writes take milliseconds).
                if (step < 2) Deliver(step + 1);
                var written = listener.FishForMessage<object>(m => m is CheckpointWritten or StepCompleted or TrainingFailed, TimeSpan.FromSeconds(60));
                Assert.True(written is CheckpointWritten { } c && c.Step == step + 1, $"after step {step}: {written}");
            }
            Assert.Equal(3, listener.FishForMessage<TrainingFinished>(_ => true, TimeSpan.FromSeconds(60)).Steps);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_loader_that_joins_while_the_towers_initialise_is_used()
    {
        var data = TestSetup.Data(train: 128);
        var towers = Enumerable.Range(0, 2).Select(_ => CreateTestProbe()).ToList(); // never ready: the run stays initialising
        var log = new ConcurrentQueue<(string Loader, LoadBatch Request, IActorRef ReplyTo)>();
        var first = Sys.ActorOf(Props.Create(() => new RecordingLoader(Describe(data), "a", log)));
        var listener = CreateTestProbe();
        Sys.ActorOf(CoordinatorActor.Props(TestSetup.Tiny(2), Settings(inFlight: 4), towers.Select(t => t.Ref).ToList(), new[] { first }, listener.Ref));
        towers[0].ExpectMsg<InitializeTower>(TimeSpan.FromSeconds(30));
        var coordinator = towers[0].LastSender;
        listener.ExpectMsg<TrainingStarted>();

        var second = Sys.ActorOf(Props.Create(() => new RecordingLoader(Describe(data), "b", log)));
        coordinator.Tell(new LoaderJoined(second));
        Assert.Contains("joined (2 now)", listener.ExpectMsg<RunNotice>(TimeSpan.FromSeconds(10)).Message);
        AwaitCondition(() => log.Any(l => l.Loader == "b"), TimeSpan.FromSeconds(10)); // asked for batches at once
        listener.ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // and no failure
    }

    [Fact]
    public void A_batch_a_loader_could_not_build_is_asked_for_again_and_only_its_third_failure_ends_the_run()
    {
        var data = TestSetup.Data(train: 128);
        var towers = Enumerable.Range(0, 2).Select(_ => Sys.ActorOf(TowerActor.Props("cpu", 1))).ToList();
        var log = new ConcurrentQueue<(string Loader, LoadBatch Request, IActorRef ReplyTo)>();
        var loader = Sys.ActorOf(Props.Create(() => new RecordingLoader(Describe(data), "a", log)));
        var listener = CreateTestProbe();
        Sys.ActorOf(CoordinatorActor.Props(TestSetup.Tiny(2), Settings(inFlight: 1, steps: 2), towers, new[] { loader }, listener.Ref));

        (string, LoadBatch Request, IActorRef ReplyTo) NextRequest(int index)
        {
            (string, LoadBatch, IActorRef) r = default;
            AwaitCondition(() => log.TryDequeue(out r), TimeSpan.FromSeconds(30));
            Assert.Equal(index, r.Item2!.Index);
            return r;
        }
        void Fail(int index) => NextRequest(index).ReplyTo.Tell(new BatchFailed(DataSplit.Train, 0, index, "IOException: the share went away"), loader);
        void Deliver(int index) => NextRequest(index).ReplyTo.Tell(new BatchReady(DataSplit.Train, TestSetup.TrainBatch(data, 1, 8, 0, index), TimeSpan.Zero), loader);

        Fail(0); // a passing storage error: asked again, and the run goes on
        var notice = listener.FishForMessage<RunNotice>(n => n.Message.Contains("asking again"), TimeSpan.FromSeconds(30));
        Assert.Contains("could not build Train batch 1 of epoch 1: IOException: the share went away; asking again in 2 s (attempt 2 of 3)", notice.Message);
        Deliver(0);
        listener.FishForMessage<StepCompleted>(m => m.Step == 0, TimeSpan.FromSeconds(60));

        Fail(1); // a batch that cannot be built at all: three attempts, then a clear failure
        Fail(1);
        Fail(1);
        var failed = listener.FishForMessage<TrainingFailed>(_ => true, TimeSpan.FromSeconds(30));
        Assert.Contains("could not build Train batch 2 of epoch 1: IOException: the share went away (3 attempts)", failed.Reason);
    }

    [Fact]
    public void A_loader_that_never_delivers_the_batch_due_is_taken_off_and_the_others_serve_it()
    {
        var data = TestSetup.Data(train: 128);
        var towers = Enumerable.Range(0, 2).Select(_ => Sys.ActorOf(TowerActor.Props("cpu", 1))).ToList();
        var log = new ConcurrentQueue<(string Loader, LoadBatch Request, IActorRef ReplyTo)>();
        var silent = Sys.ActorOf(Props.Create(() => new RecordingLoader(Describe(data), "silent", log)), "silent");
        var working = Sys.ActorOf(Loading.DataLoaderActor.Props(data, TestSetup.Augmentation, 1));
        var listener = CreateTestProbe();
        var settings = Settings(inFlight: 2, steps: 4) with { StepTimeout = TimeSpan.FromSeconds(5) }; // every phase, under CI load too
        Sys.ActorOf(CoordinatorActor.Props(TestSetup.Tiny(2), settings, towers, new[] { silent, working }, listener.Ref));

        var outcome = listener.FishForMessage<object>(m => m is TrainingFinished or TrainingFailed, TimeSpan.FromSeconds(60));
        Assert.True(outcome is TrainingFinished { Steps: 4 }, outcome.ToString());
        Assert.Contains(log, l => l.Request.Index == 0); // the silent one was asked for the first batch
    }

    [Fact]
    public void Waiting_in_vain_for_the_only_loader_ends_the_run_saying_so()
    {
        var data = TestSetup.Data(train: 128);
        var towers = Enumerable.Range(0, 2).Select(_ => Sys.ActorOf(TowerActor.Props("cpu", 1))).ToList();
        var log = new ConcurrentQueue<(string Loader, LoadBatch Request, IActorRef ReplyTo)>();
        var silent = Sys.ActorOf(Props.Create(() => new RecordingLoader(Describe(data), "silent", log)), "only-loader");
        var listener = CreateTestProbe();
        var settings = Settings(inFlight: 2, steps: 4) with { StepTimeout = TimeSpan.FromSeconds(5) }; // every phase, under CI load too
        Sys.ActorOf(CoordinatorActor.Props(TestSetup.Tiny(2), settings, towers, new[] { silent }, listener.Ref));

        var failed = listener.FishForMessage<TrainingFailed>(_ => true, TimeSpan.FromSeconds(60));
        Assert.Contains("timed out after 00:00:05: waiting for Train batch 1 of epoch 1 from data loader akka://", failed.Reason);
        Assert.Contains("/user/only-loader", failed.Reason);
    }

    [Fact]
    public void Loaders_of_one_node_that_never_deliver_are_taken_off_together_after_one_step_timeout()
    {
        var data = TestSetup.Data(train: 128);
        var towers = Enumerable.Range(0, 2).Select(_ => Sys.ActorOf(TowerActor.Props("cpu", 1))).ToList();
        var log = new ConcurrentQueue<(string Loader, LoadBatch Request, IActorRef ReplyTo)>();
        var hungA = Sys.ActorOf(Props.Create(() => new RecordingLoader(Describe(data), "hung-a", log)), "hung-a");
        var hungB = Sys.ActorOf(Props.Create(() => new RecordingLoader(Describe(data), "hung-b", log)), "hung-b");
        var working = Sys.ActorOf(Loading.DataLoaderActor.Props(data, TestSetup.Augmentation, 1));
        var listener = CreateTestProbe();
        var settings = Settings(inFlight: 3, steps: 4) with { StepTimeout = TimeSpan.FromSeconds(5) };
        var nodes = new Dictionary<IActorRef, string> { [hungA] = "node-h", [hungB] = "node-h", [working] = "node-w" };
        Sys.ActorOf(CoordinatorActor.Props(TestSetup.Tiny(2), settings, towers, new[] { hungA, hungB, working }, listener.Ref, loaderNodes: nodes));

        var seen = new List<object>();
        var outcome = listener.FishForMessage<object>(m => { seen.Add(m); return m is TrainingFinished or TrainingFailed; }, TimeSpan.FromSeconds(60));
        Assert.True(outcome is TrainingFinished { Steps: 4 }, outcome.ToString());
        Assert.Contains(log, l => l.Loader == "hung-b"); // both were asked for batches
        var dropped = Assert.Single(seen.OfType<LoaderDropped>()); // one wait, for the node: not one per loader
        Assert.Equal(hungA, dropped.Loader);
        Assert.Contains("did not deliver Train batch 1 of epoch 1 within 00:00:05", dropped.Reason);
        var notices = seen.OfType<RunNotice>().Select(n => n.Message).ToList();
        Assert.Single(notices, n => n.Contains("/user/hung-a did not deliver"));
        Assert.DoesNotContain(notices, n => n.Contains("/user/hung-b did not deliver")); // no second wait
        Assert.Contains(notices, n => n.Contains("/user/hung-b is on the same node as data loader hung-a (node-h)"));
    }

    [Fact]
    public void Waiting_in_vain_for_the_only_node_s_loaders_ends_the_run_after_one_step_timeout()
    {
        var data = TestSetup.Data(train: 128);
        var towers = Enumerable.Range(0, 2).Select(_ => Sys.ActorOf(TowerActor.Props("cpu", 1))).ToList();
        var log = new ConcurrentQueue<(string Loader, LoadBatch Request, IActorRef ReplyTo)>();
        var hungA = Sys.ActorOf(Props.Create(() => new RecordingLoader(Describe(data), "a", log)), "only-node-a");
        var hungB = Sys.ActorOf(Props.Create(() => new RecordingLoader(Describe(data), "b", log)), "only-node-b");
        var listener = CreateTestProbe();
        var settings = Settings(inFlight: 2, steps: 4) with { StepTimeout = TimeSpan.FromSeconds(5) };
        var nodes = new Dictionary<IActorRef, string> { [hungA] = "node-h", [hungB] = "node-h" };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Sys.ActorOf(CoordinatorActor.Props(TestSetup.Tiny(2), settings, towers, new[] { hungA, hungB }, listener.Ref, loaderNodes: nodes));

        var failed = listener.FishForMessage<TrainingFailed>(_ => true, TimeSpan.FromSeconds(60));
        Assert.Contains("timed out after 00:00:05: waiting for Train batch 1 of epoch 1 from data loader akka://", failed.Reason);
        Assert.Contains("/user/only-node-a", failed.Reason); // the one asked first: no second wait for its node-mate
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(9.5), $"ended after {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public void A_run_whose_last_loader_left_after_delivering_the_last_batches_still_finishes()
    {
        var data = TestSetup.Data(train: 128);
        var towers = Enumerable.Range(0, 2).Select(_ => Sys.ActorOf(TowerActor.Props("cpu", 1))).ToList();
        var log = new ConcurrentQueue<(string Loader, LoadBatch Request, IActorRef ReplyTo)>();
        var loader = Sys.ActorOf(Props.Create(() => new RecordingLoader(Describe(data), "a", log)));
        var listener = CreateTestProbe();
        Sys.ActorOf(CoordinatorActor.Props(TestSetup.Tiny(2), Settings(inFlight: 2, steps: 2), towers, new[] { loader }, listener.Ref));

        AwaitCondition(() => log.Count == 2, TimeSpan.FromSeconds(30)); // both batches of the run asked for
        var coordinator = log.First().ReplyTo;
        coordinator.Tell(new LoaderLeft(loader));
        Assert.Contains("no loader is left", listener.FishForMessage<RunNotice>(n => n.Message.Contains("left"), TimeSpan.FromSeconds(10)).Message);
        foreach (var (_, request, replyTo) in log) // what it sent before it went
            replyTo.Tell(new BatchReady(DataSplit.Train, TestSetup.TrainBatch(data, 1, 8, 0, request.Index), TimeSpan.Zero), loader);

        var outcome = listener.FishForMessage<object>(m => m is TrainingFinished or TrainingFailed, TimeSpan.FromSeconds(60));
        Assert.True(outcome is TrainingFinished { Steps: 2 }, outcome.ToString());
    }

    [Fact]
    public void Before_the_run_starts_a_loader_that_goes_away_is_replaced_by_one_that_joined()
    {
        var data = TestSetup.Data(train: 128);
        var towers = Enumerable.Range(0, 2).Select(_ => Sys.ActorOf(TowerActor.Props("cpu", 1))).ToList();
        var asked = CreateTestProbe(); // asked what data there is, it never answers: its node is going
        var listener = CreateTestProbe();
        Sys.ActorOf(CoordinatorActor.Props(TestSetup.Tiny(2), Settings(), towers, new[] { asked.Ref }, listener.Ref));
        asked.ExpectMsg<DescribeData>(TimeSpan.FromSeconds(30));
        var coordinator = asked.LastSender;

        var log = new ConcurrentQueue<(string Loader, LoadBatch Request, IActorRef ReplyTo)>();
        var joined = Sys.ActorOf(Props.Create(() => new RecordingLoader(Describe(data), "joined", log)));
        coordinator.Tell(new LoaderJoined(joined));
        coordinator.Tell(new LoaderLeft(asked.Ref));
        Assert.Contains("went away before the run started (1 left)", listener.ExpectMsg<RunNotice>(TimeSpan.FromSeconds(10)).Message);
        listener.ExpectMsg<TrainingStarted>(TimeSpan.FromSeconds(10)); // the description came from the one that joined
        AwaitCondition(() => log.Count > 0, TimeSpan.FromSeconds(30)); // and it serves the run's batches
    }

    [Fact]
    public void A_tower_that_fails_stops_the_run_with_an_error()
    {
        var data = TestSetup.Data(train: 64);
        var good = Sys.ActorOf(TowerActor.Props("cpu", 1));
        var bad = CreateTestProbe();
        var loader = Sys.ActorOf(Loading.DataLoaderActor.Props(data, TestSetup.Augmentation, 1));
        var listener = CreateTestProbe();
        Sys.ActorOf(CoordinatorActor.Props(TestSetup.Tiny(2), Settings(), new[] { good, bad.Ref }, new[] { loader }, listener.Ref));
        var init = bad.ExpectMsg<InitializeTower>(TimeSpan.FromSeconds(30));
        bad.Reply(new TowerReady(init.Index, 1, "cpu"));
        var begin = bad.ExpectMsg<BeginStep>(TimeSpan.FromSeconds(30));
        bad.Reply(new TowerFailed(1, begin.Step, "CUDA error: an illegal memory access"));
        var failed = listener.FishForMessage<TrainingFailed>(_ => true, TimeSpan.FromSeconds(30));
        Assert.Contains("tower 1 failed in step 0", failed.Reason);
        Assert.Contains("illegal memory access", failed.Reason);
        Assert.IsType<TrainingFailed>(failed); // an error, not a lost tower: nothing recovers from it
    }

    /// <summary>A tower whose stand-in says it is gone, or that stops without an error, is lost: a host may recover.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_lost_tower_ends_the_run_with_a_tower_lost_failure(bool reportedByStandIn)
    {
        var data = TestSetup.Data(train: 64);
        var good = Sys.ActorOf(TowerActor.Props("cpu", 1));
        var lost = CreateTestProbe();
        var loader = Sys.ActorOf(Loading.DataLoaderActor.Props(data, TestSetup.Augmentation, 1));
        var listener = CreateTestProbe();
        Sys.ActorOf(CoordinatorActor.Props(TestSetup.Tiny(2), Settings(), new[] { good, lost.Ref }, new[] { loader }, listener.Ref));
        var init = lost.ExpectMsg<InitializeTower>(TimeSpan.FromSeconds(30));
        lost.Reply(new TowerReady(init.Index, 1, "cpu"));
        lost.ExpectMsg<BeginStep>(TimeSpan.FromSeconds(30));
        if (reportedByStandIn) lost.Reply(new TowerLost(1, "tower node akka.tcp://alexnet@10.0.0.7:4053 is unreachable"));
        else Sys.Stop(lost.Ref);
        var failed = listener.FishForMessage<TrainingFailed>(_ => true, TimeSpan.FromSeconds(30));
        var towerLost = Assert.IsType<TowerLostFailure>(failed);
        Assert.Equal(1, towerLost.Tower);
        Assert.Contains(reportedByStandIn ? "unreachable" : "stopped unexpectedly", failed.Reason);
    }

    [Fact]
    public void A_tower_that_never_answers_times_out_instead_of_hanging()
    {
        var data = TestSetup.Data(train: 64);
        var good = Sys.ActorOf(TowerActor.Props("cpu", 1));
        var silent = CreateTestProbe();
        var loader = Sys.ActorOf(Loading.DataLoaderActor.Props(data, TestSetup.Augmentation, 1));
        var listener = CreateTestProbe();
        var settings = Settings() with { StepTimeout = TimeSpan.FromSeconds(3) };
        Sys.ActorOf(CoordinatorActor.Props(TestSetup.Tiny(2), settings, new[] { good, silent.Ref }, new[] { loader }, listener.Ref));
        var init = silent.ExpectMsg<InitializeTower>(TimeSpan.FromSeconds(30));
        silent.Reply(new TowerReady(init.Index, 1, "cpu"));
        silent.ExpectMsg<BeginStep>(TimeSpan.FromSeconds(30)); // and never reply
        var failed = listener.FishForMessage<TrainingFailed>(_ => true, TimeSpan.FromSeconds(30));
        Assert.Contains("timed out", failed.Reason);
        Assert.Contains("Stem", failed.Reason);
    }

    [Fact]
    public void A_tower_that_crashes_on_start_is_stopped_not_restarted_and_the_run_fails()
    {
        var data = TestSetup.Data(train: 64);
        var guardian = Sys.ActorOf(Props.Create(() => new RunGuardian()));
        guardian.Tell(new RunGuardian.Create(TowerActor.Props("cuda:7", 1), "tower-0"));
        var broken = ExpectMsg<IActorRef>();
        var loader = Sys.ActorOf(Loading.DataLoaderActor.Props(data, TestSetup.Augmentation, 1));
        var listener = CreateTestProbe();
        var good = Sys.ActorOf(TowerActor.Props("cpu", 1));
        var coordinator = Sys.ActorOf(CoordinatorActor.Props(TestSetup.Tiny(2), Settings(), new[] { broken, good }, new[] { loader }, listener.Ref));
        guardian.Tell(new RunGuardian.ReportFailuresTo(coordinator));
        var failed = listener.FishForMessage<TrainingFailed>(_ => true, TimeSpan.FromSeconds(30));
        Assert.Matches("stopped unexpectedly|crashed", failed.Reason);
    }
}
