using AlexNet.Actors.Checkpoints;
using Xunit;

namespace AlexNet.Cluster.Tests;

/// <summary>
/// A cluster run takes its checkpoint folder's lock as `alexnet train` does, so that a job launched
/// twice, or a `train` left running on the same folder, cannot interleave checkpoints. Here this test
/// process holds the lock, as another run would.
/// </summary>
public sealed class CheckpointLockTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("alexnet-cluster-lock-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private NodeProcess StartNode(params string[] more) => new("node", new[]
    {
        "node", "--port", "0", "--data", "synthetic", "--width", "0.25", "--crop", "64", "--batch", "8", "--steps", "3",
        "--threads", "1", "--loaders", "1", "--log-every", "1", "--checkpoint-dir", Path.Combine(_dir, "ck"),
    }.Concat(more));

    [Fact]
    public void A_cluster_run_names_the_run_holding_its_checkpoint_folder_and_starts_once_the_folder_is_free()
    {
        var held = CheckpointFolderLock.Acquire(Path.Combine(_dir, "ck"));
        using var node = StartNode();
        Assert.True(node.WaitFor(l => l.Contains($"another run is using it (process {Environment.ProcessId} on {Environment.MachineName}"),
            TimeSpan.FromMinutes(1)), node.Output);
        // Its towers and loader are there (one node with every role), but it must not start while the lock is held.
        Thread.Sleep(3000);
        Assert.DoesNotContain("starting the run", node.Output);
        held.Dispose();
        Assert.Equal(0, node.WaitForExit(TimeSpan.FromMinutes(2)));
        Assert.Contains("is free now", node.Output);
        Assert.Contains("finished after 3 steps", node.Output);
    }

    [Fact]
    public void A_cluster_run_whose_checkpoint_folder_stays_held_fails_after_the_gather_timeout_naming_the_folder()
    {
        using var held = CheckpointFolderLock.Acquire(Path.Combine(_dir, "ck"));
        using var node = StartNode("--gather-timeout", "4s");
        Assert.Equal(1, node.WaitForExit(TimeSpan.FromMinutes(1)));
        Assert.Contains($"waited 00:00:04 (alexnet.cluster.gather-timeout) for alexnet.checkpoint.dir = {Path.Combine(_dir, "ck")}: another run is using it", node.Output);
        Assert.DoesNotContain("starting the run", node.Output);
    }

    [Fact]
    public void With_the_checkpoint_lock_off_a_cluster_run_starts_on_a_held_folder()
    {
        using var held = CheckpointFolderLock.Acquire(Path.Combine(_dir, "ck"));
        using var node = StartNode("--checkpoint-lock", "off");
        Assert.Equal(0, node.WaitForExit(TimeSpan.FromMinutes(2)));
        Assert.DoesNotContain("another run is using it", node.Output);
    }
}
