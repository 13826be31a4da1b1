using System.Diagnostics;
using AlexNet.Cluster.Hosting;
using Xunit;
using Xunit.Abstractions;

namespace AlexNet.Cluster.Tests;

/// <summary>
/// Real processes on loopback, SIGKILLed mid-run: a tower node (at a chosen point and at a random
/// one), a loader node, the coordinator's node; and SIGTERMed (the coordinator's node, a tower node). Every run must end with the planned steps, each
/// step recorded once, and the final weights and momentum of a run that was never disturbed.
/// </summary>
public sealed class FaultToleranceTests(UndisturbedRun undisturbed, ITestOutputHelper output) : IClassFixture<UndisturbedRun>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private const int Steps = UndisturbedRun.Steps;
    private readonly NodeFleet _fleet = new("alexnet-faults-", output);
    private string Dir => _fleet.Dir;

    public void Dispose() => _fleet.Dispose();

    private string Checkpoints => Path.Combine(Dir, "checkpoints");

    /// <summary>
    /// 80 ms per image read: a step then takes about 0.3 s, so the 12-step run is still going when a
    /// test kills or stops a node after step 5 (unslowed, a quiet machine ran all 12 in 0.9 s, before
    /// the test got to its kill).
    /// </summary>
    private static readonly string[] SlowLoader = { "--loader-read-delay", "80ms" };

    private NodeProcess Start(string name, string roles, int port, string? seeds, params string[] more) =>
        _fleet.Start(name, NodeFleet.NodeArgs(roles, port, seeds).Concat(UndisturbedRun.Options(Dir)).Concat(more));

    private NodeProcess StartCoordinator(string name, int port, string? seeds, string report) =>
        Start(name, "coordinator", port, seeds, "--checkpoint-dir", Checkpoints, "--report", report);

    /// <summary>The coordinator's node (the seed, with checkpoints), two nodes of one tower each, a slow loader node; and the seed's address.</summary>
    private (NodeProcess Coordinator, NodeProcess TowerA, NodeProcess TowerB, string Seed) StartWithTwoTowerNodes()
    {
        int port = NodeProcess.FreePort();
        var seed = $"akka.tcp://alexnet@127.0.0.1:{port}";
        var coordinator = StartCoordinator("coordinator", port, null, "report.json");
        var (a, b) = (StartTower("tower-a", seed), StartTower("tower-b", seed));
        Start("loader", "loader", 0, seed, SlowLoader);
        return (coordinator, a, b, seed);
    }

    private NodeProcess StartTower(string name, string seed) => Start(name, "tower", 0, seed, "--devices", "cpu");

    /// <summary>Coordinator node a (the seed, hosting the run), coordinator node b (the standby), a node of two towers, a loader node.</summary>
    private (NodeProcess First, NodeProcess Second, NodeProcess Towers, NodeProcess Loader) StartWithTwoCoordinators()
    {
        int portA = NodeProcess.FreePort(), portB = NodeProcess.FreePort();
        var seeds = $"akka.tcp://alexnet@127.0.0.1:{portA},akka.tcp://alexnet@127.0.0.1:{portB}";
        var first = StartCoordinator("coordinator-a", portA, null, "report-a.json");
        Assert.True(first.WaitFor(l => l.Contains("waiting for"), Patience), "the first coordinator did not start");
        var second = StartCoordinator("coordinator-b", portB, seeds, "report-b.json");
        return (first, second, Start("towers", "tower", 0, seeds, "--devices", "cpu,cpu"), Start("loader", "loader", 0, seeds, SlowLoader));
    }

    private void AssertCompleteAndUndisturbed(NodeProcess coordinator, string reportFile, bool everyStepInReport = true)
    {
        Assert.Equal(0, coordinator.WaitForExit(Patience));
        var report = RunReport.Read(Path.Combine(Dir, reportFile));
        Assert.True(report.Succeeded, report.Summary);
        Assert.Equal(Steps, report.Steps);
        var recorded = report.StepTimes.Select(p => p.Step).ToList();
        if (everyStepInReport) Assert.Equal(Enumerable.Range(0, Steps).Select(i => (long)i), recorded); // each step once, in order
        // metrics.csv in the run folder (kept by whichever node hosted the coordinator): each step once.
        var metrics = File.ReadAllLines(Path.Combine(Checkpoints, "run", "metrics.csv")).Where(l => l.StartsWith("step,")).Select(l => l.Split(',')[1]);
        Assert.Equal(Enumerable.Range(1, Steps).Select(i => i.ToString()), metrics);
        undisturbed.AssertSameWeights(Checkpoints, output);
    }

    private double SecondsToResume(NodeProcess coordinator, Stopwatch sinceKill, int fromLine)
    {
        // From the resume line itself: by the time this test looks, the whole rest of the run may have been printed.
        int resumedAt = coordinator.WaitForLine(l => l.Contains("resuming from") || l.Contains("resuming the run"), Patience, fromLine);
        Assert.True(resumedAt >= 0, "the run did not resume");
        Assert.True(coordinator.WaitFor(l => l.StartsWith("step "), Patience, resumedAt + 1), "no step after the resume");
        return sinceKill.Elapsed.TotalSeconds;
    }

    [Fact]
    public void A_tower_node_killed_after_a_checkpoint_is_restarted_and_the_run_ends_with_the_undisturbed_weights()
    {
        var (coordinator, _, victim, seed) = StartWithTwoTowerNodes();

        Assert.True(coordinator.WaitFor(l => l.Contains(CheckpointFolder(4)), Patience), "no checkpoint at step 4");
        Assert.True(coordinator.WaitFor(l => l.StartsWith("step       5 "), Patience), "the run did not reach step 5");
        int before = coordinator.LineCount;
        var clock = Stopwatch.StartNew();
        victim.Kill();
        output.WriteLine($"killed tower-b after step {coordinator.LastStep()}");
        StartTower("tower-b-restarted", seed);
        double seconds = SecondsToResume(coordinator, clock, before);
        output.WriteLine($"seconds from SIGKILL to the first step after the rollback: {seconds:F1}");

        AssertCompleteAndUndisturbed(coordinator, "report.json");
        var report = RunReport.Read(Path.Combine(Dir, "report.json"));
        Assert.Contains(report.Notices, n => n.Message.Contains("pausing the run"));
        Assert.Equal(2, report.Starts.Count);
        Assert.True(report.Starts[1].FromStep is 4 or 8, $"resumed from step {report.Starts[1].FromStep}");
    }

    [Fact]
    public void A_tower_node_killed_at_a_random_point_is_replaced_by_a_spare()
    {
        int seedOfTest = Environment.TickCount & 0xffff;
        var random = new Random(seedOfTest);
        int killAfter = random.Next(0, Steps - 4); // 0: while the towers initialise; at least 5 steps left to kill in
        int extraMs = random.Next(0, 200);
        output.WriteLine($"random point (test seed {seedOfTest}): {extraMs} ms after step {killAfter}");
        var (coordinator, first, second, seed) = StartWithTwoTowerNodes();
        Assert.True(coordinator.WaitFor(l => l.Contains("starting the run"), Patience), "the run did not start");
        StartTower("spare", seed); // offered once the run is going: kept spare

        if (killAfter > 0) Assert.True(coordinator.WaitFor(l => l.StartsWith($"step {killAfter,7} "), Patience), $"the run did not reach step {killAfter}");
        Thread.Sleep(extraMs);
        int before = coordinator.LineCount;
        var clock = Stopwatch.StartNew();
        var victim = random.Next(2) == 0 ? first : second;
        victim.Kill();
        output.WriteLine($"killed {victim.Name} after step {coordinator.LastStep()}");
        double seconds = SecondsToResume(coordinator, clock, before);
        output.WriteLine($"seconds from SIGKILL to the first step after the rollback: {seconds:F1}");
        AssertCompleteAndUndisturbed(coordinator, "report.json");
    }

    [Fact]
    public void A_loader_node_killed_mid_run_loses_and_repeats_no_sample()
    {
        int port = NodeProcess.FreePort();
        var seed = $"akka.tcp://alexnet@127.0.0.1:{port}";
        var coordinator = StartCoordinator("coordinator", port, null, "report.json");
        // The victim reads slowly (2 s a batch), so when step 5 is logged it still owes batches for
        // the steps after it, however late this test gets to kill it: the kill is always mid-run.
        var victim = Start("loader-a", "loader", 0, seed, "--loader-read-delay", "250ms");
        Start("loader-b", "loader", 0, seed);
        // The towers only once both loaders are in: the run starts with the first loader there, and
        // under load a late second one could otherwise miss the whole run.
        static bool LoaderJoined(string l) => l.Contains("joined with 0 tower(s) and 1 loader(s)");
        int firstJoin = coordinator.WaitForLine(LoaderJoined, Patience);
        Assert.True(firstJoin >= 0 && coordinator.WaitFor(LoaderJoined, Patience, firstJoin + 1), "the two loader nodes did not both join");
        Start("towers", "tower", 0, seed, "--devices", "cpu,cpu");
        Assert.True(coordinator.WaitFor(l => l.StartsWith("step       5 "), Patience), "the run did not reach step 5");
        int before = coordinator.LineCount;
        var clock = Stopwatch.StartNew();
        victim.Kill();
        var killedAfter = coordinator.LastStep();
        output.WriteLine($"killed loader-a after step {killedAfter}");
        Assert.True(killedAfter < Steps, $"loader-a was killed after the last step ({killedAfter})");
        // Noticed when its data-channel connection closes, not when the cluster finds it unreachable (here >= 10 s):
        // until then a step waiting for one of its batches waits too.
        Assert.True(coordinator.WaitFor(l => l.Contains("data loader") && l.Contains("its batches go to"), Patience, before), "the loader was not withdrawn");
        double seconds = clock.Elapsed.TotalSeconds;
        output.WriteLine($"seconds from SIGKILL to the loader's batches going to the other loader: {seconds:F1}");
        Assert.True(seconds < 5, $"the killed loader's batches went to the other loader only {seconds:F1} s after the kill");
        AssertCompleteAndUndisturbed(coordinator, "report.json");
        var report = RunReport.Read(Path.Combine(Dir, "report.json"));
        Assert.Single(report.Starts); // no rollback: the run just went on
        Assert.Contains(report.Notices, n => n.Message.Contains("data loader") && (n.Message.Contains("left") || n.Message.Contains("stopped")));
    }

    [Fact]
    public void The_coordinator_node_killed_mid_run_comes_back_on_the_second_coordinator_node_from_the_last_checkpoint()
    {
        var (first, second, towers, loader) = StartWithTwoCoordinators();

        Assert.True(first.WaitFor(l => l.Contains(CheckpointFolder(4)), Patience), "no checkpoint at step 4");
        Assert.True(first.WaitFor(l => l.StartsWith("step       5 "), Patience), "the run did not reach step 5");
        var clock = Stopwatch.StartNew();
        first.Kill();
        output.WriteLine($"killed coordinator-a after step {first.LastStep()}");
        double seconds = SecondsToResume(second, clock, 0);
        output.WriteLine($"seconds from SIGKILL to the first step on the second coordinator node: {seconds:F1}");

        AssertCompleteAndUndisturbed(second, "report-b.json", everyStepInReport: false);
        var report = RunReport.Read(Path.Combine(Dir, "report-b.json"));
        long from = report.Starts.Single().FromStep;
        Assert.True(from is 4 or 8, $"resumed from step {from}");
        Assert.Equal(Enumerable.Range((int)from, Steps - (int)from).Select(i => (long)i), report.StepTimes.Select(p => p.Step));
        Assert.Equal(0, towers.WaitForExit(Patience));
        Assert.Equal(0, loader.WaitForExit(Patience));
    }

    [Fact]
    public void The_coordinator_node_stopped_by_sigterm_checkpoints_the_step_in_progress_and_the_second_coordinator_node_resumes_from_it()
    {
        var (first, second, towers, loader) = StartWithTwoCoordinators();

        Assert.True(first.WaitFor(l => l.StartsWith("step       5 "), Patience), "the run did not reach step 5");
        int stepsBefore = first.LastStep();
        first.Terminate(); // SIGTERM, as Kubernetes stops a pod
        Assert.Equal(143, first.WaitForExit(Patience));
        Assert.Contains("stopped by a signal after leaving the cluster; before leaving: checkpointed the run after step", first.Output);

        AssertCompleteAndUndisturbed(second, "report-b.json", everyStepInReport: false);
        long from = RunReport.Read(Path.Combine(Dir, "report-b.json")).Starts.Single().FromStep;
        output.WriteLine($"SIGTERM after step {stepsBefore}; the second coordinator resumed from step {from}");
        // A crash resumes from the last periodic checkpoint (step 4 here); the hand-over loses nothing.
        Assert.True(from >= stepsBefore, $"resumed from step {from}, but {stepsBefore} steps were done when the node was stopped");
        Assert.Equal(0, towers.WaitForExit(Patience));
        Assert.Equal(0, loader.WaitForExit(Patience));
    }

    [Fact]
    public void A_tower_node_stopped_by_sigterm_has_the_run_checkpointed_first_and_a_spare_resumes_from_that_step()
    {
        int port = NodeProcess.FreePort();
        var seed = $"akka.tcp://alexnet@127.0.0.1:{port}";
        var coordinator = StartCoordinator("coordinator", port, null, "report.json");
        // Two loaders at half SlowLoader's pace: the run goes no faster than with one.
        string[] slowerLoader = ["--loader-read-delay", "160ms"];
        Start("loader", "loader", 0, seed, slowerLoader);
        Assert.True(coordinator.WaitFor(l => l.Contains("joined with 0 tower(s) and 1 loader(s)"), Patience), "the loader node did not join");
        StartTower("tower-a", seed);
        // Its loader serves the run too, until the node leaves: the run resumes with the other node's only.
        var leaving = Start("tower-b", "tower,loader", 0, seed, ["--devices", "cpu", .. slowerLoader]);
        int started = coordinator.WaitForLine(l => l.Contains("starting the run with 2 tower(s) and 2 loader(s)"), Patience);
        Assert.True(started >= 0, "the run did not start with both nodes' loaders");
        StartTower("spare", seed); // offered once the run is going: kept spare
        Assert.True(coordinator.WaitFor(l => l.Contains("joined with 1 tower(s)"), Patience, started), "the spare tower node did not join");

        Assert.True(coordinator.WaitFor(l => l.StartsWith("step       5 "), Patience), "the run did not reach step 5");
        int stepsBefore = coordinator.LastStep();
        leaving.Terminate(); // SIGTERM, as Kubernetes stops a pod on a scale-down or a drain
        Assert.Equal(143, leaving.WaitForExit(Patience));
        Assert.Contains("stopped by a signal after leaving the cluster; before leaving: checkpointed the run after step", leaving.Output);

        AssertCompleteAndUndisturbed(coordinator, "report.json");
        var report = RunReport.Read(Path.Combine(Dir, "report.json"));
        Assert.Equal(2, report.Starts.Count);
        output.WriteLine($"SIGTERM to tower-b after step {stepsBefore}; the run resumed from step {report.Starts[1].FromStep}");
        // A crash goes back to the last periodic checkpoint (step 4 here); a tower node leaving in order loses nothing.
        Assert.True(report.Starts[1].FromStep >= stepsBefore, $"resumed from step {report.Starts[1].FromStep}, but {stepsBefore} steps were done when the node was stopped");
        Assert.Contains(report.Notices, n => n.Message.Contains("restart(s) for tower nodes that left in order"));
        Assert.Contains(report.Notices, n => n.Message.Contains("resuming the run with 2 tower(s) and 1 loader(s)"));
    }

    [Fact]
    public void A_tower_node_whose_hand_over_times_out_leaves_and_the_run_recovers_from_the_previous_checkpoint()
    {
        int port = NodeProcess.FreePort();
        var seed = $"akka.tcp://alexnet@127.0.0.1:{port}";
        var coordinator = StartCoordinator("coordinator", port, null, "report.json");
        StartTower("tower-a", seed);
        // 1 ms: the node gives up on the checkpoint at once and leaves while the step in progress (about 1 s
        // with this loader) still needs its tower, so the run host loses it while checkpointing.
        var leaving = Start("tower-b", "tower", 0, seed, "--devices", "cpu", "--hand-over-timeout", "1ms");
        Start("loader", "loader", 0, seed, "--loader-read-delay", "250ms");
        int started = coordinator.WaitForLine(l => l.Contains("starting the run"), Patience);
        Assert.True(started >= 0, "the run did not start");
        StartTower("spare", seed);
        Assert.True(coordinator.WaitFor(l => l.Contains("joined with 1 tower(s)"), Patience, started), "the spare tower node did not join");

        Assert.True(coordinator.WaitFor(l => l.StartsWith("step       5 "), Patience), "the run did not reach step 5");
        leaving.Terminate();
        Assert.Equal(143, leaving.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Contains("the run was not checkpointed within", leaving.Output);

        // Lost mid-checkpoint it is a crash: the run goes back to the last periodic checkpoint, not to its end.
        AssertCompleteAndUndisturbed(coordinator, "report.json", everyStepInReport: false);
        var report = RunReport.Read(Path.Combine(Dir, "report.json"));
        output.WriteLine($"the run resumed from step {report.Starts.Last().FromStep}");
        Assert.Equal(2, report.Starts.Count);
    }

    [Fact]
    public void A_tower_node_stopped_by_sigterm_just_after_the_coordinators_node_crashed_leaves_once_that_node_is_unreachable()
    {
        var (coordinator, leaving, _, _) = StartWithTwoTowerNodes();
        Assert.True(coordinator.WaitFor(l => l.StartsWith("step       5 "), Patience), "the run did not reach step 5");
        coordinator.Kill();
        Thread.Sleep(500); // the coordinator's node still counts as up and reachable: the request goes out
        var stopping = Stopwatch.StartNew();
        leaving.Terminate();
        // The crashed run host never answers: the node leaves once its node is unreachable (about 10 s here,
        // plus leaving a cluster with an unreachable member), not after hand-over-timeout (2 minutes).
        Assert.Equal(143, leaving.WaitForExit(TimeSpan.FromSeconds(60)));
        output.WriteLine($"the tower node left {stopping.Elapsed.TotalSeconds:F1} s after SIGTERM");
        Assert.Contains("became unreachable before the run was checkpointed", leaving.Output);
    }

    [Fact]
    public void Without_a_checkpoint_folder_a_lost_tower_ends_the_run_saying_why()
    {
        int port = NodeProcess.FreePort();
        var seed = $"akka.tcp://alexnet@127.0.0.1:{port}";
        var longer = new[] { "--steps", "500" }; // the last --steps wins: long enough to be killed mid-run
        var coordinator = Start("coordinator", "coordinator", port, null, longer);
        Start("tower-a", "tower", 0, seed, longer.Concat(new[] { "--devices", "cpu" }).ToArray());
        var victim = Start("tower-b", "tower", 0, seed, longer.Concat(new[] { "--devices", "cpu" }).ToArray());
        Start("loader", "loader", 0, seed, longer);
        Assert.True(coordinator.WaitFor(l => l.StartsWith("step       3 "), Patience), "the run did not reach step 3");
        Assert.Contains("no checkpoint folder: losing a tower node will end the run", coordinator.Output);
        victim.Kill();
        Assert.Equal(1, coordinator.WaitForExit(Patience));
        Assert.Contains("without a checkpoint folder the run cannot recover from a lost tower", coordinator.Output);
    }

    private static string CheckpointFolder(long step) => AlexNet.Actors.Checkpoints.CheckpointStore.FolderName(step);
}
