using AlexNet.Actors.Checkpoints;
using AlexNet.Actors.Hosting;
using AlexNet.Actors.Protocol;
using AlexNet.Actors.Training;
using AlexNet.Model;
using Xunit;

namespace AlexNet.Actors.Tests;

/// <summary>Checkpoints written by a real run, then damaged in each way a crash or a disk can damage them.</summary>
public class CheckpointStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ckpt-").FullName;

    private async Task<List<string>> TrainWithCheckpoints(long steps, bool validate = false)
    {
        var folders = new List<string>();
        var settings = new TrainingSettings
        {
            BatchSize = 16, Epochs = 5, MaxSteps = steps, Seed = 6, LogEvery = 0, Validate = validate,
            CheckpointDir = _dir, CheckpointEverySteps = 2, KeepCheckpoints = 10,
        };
        await LocalRun.RunAsync(new LocalRunOptions(TestSetup.Tiny(2), settings, TestSetup.Data(train: 128), TestSetup.Augmentation, Loaders: 1),
            e => { if (e is CheckpointWritten c) folders.Add(c.Folder); });
        return folders;
    }

    private static AlexNetConfig Model => TestSetup.Tiny(2) with { Classes = 10 };

    [Fact]
    public async Task Every_kind_of_damage_falls_back_to_the_previous_good_checkpoint()
    {
        var folders = await TrainWithCheckpoints(8);
        Assert.Equal(new[] { 2L, 4, 6, 8 }, folders.Select(f => long.Parse(Path.GetFileName(f)[5..])));
        var store = new CheckpointStore(_dir);
        var log = new List<string>();

        Assert.Equal(8, store.LatestValid(Model, log.Add)!.Value.Manifest.Step);
        Assert.Empty(log);

        // Truncated shard (a crash mid-copy), flipped byte (bit rot), missing file, missing manifest.
        var t8 = Path.Combine(folders[3], CheckpointManifest.TowerFile(1));
        File.WriteAllBytes(t8, File.ReadAllBytes(t8)[..1000]);
        var t6 = Path.Combine(folders[2], CheckpointManifest.TowerFile(0));
        var bytes = File.ReadAllBytes(t6);
        bytes[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(t6, bytes);
        File.Delete(Path.Combine(folders[1], CheckpointManifest.TowerFile(1)));

        var (folder, manifest) = store.LatestValid(Model, log.Add)!.Value;
        Assert.Equal(2, manifest.Step);
        Assert.Equal(folders[0], folder);
        Assert.Contains(log, l => l.Contains("step-000000008") && l.Contains("bytes"));
        Assert.Contains(log, l => l.Contains("step-000000006") && l.Contains("checksum"));
        Assert.Contains(log, l => l.Contains("step-000000004") && l.Contains("missing"));

        File.Delete(Path.Combine(folders[0], CheckpointStore.ManifestName));
        var e = Assert.Throws<InvalidDataException>(() => store.LatestValid(Model, log.Add));
        Assert.Contains("no usable checkpoint", e.Message);
    }

    [Fact]
    public async Task A_checkpoint_of_another_model_is_not_used()
    {
        await TrainWithCheckpoints(4);
        var log = new List<string>();
        var other = Model with { Width = 0.5 };
        var e = Assert.Throws<InvalidDataException>(() => new CheckpointStore(_dir).LatestValid(other, log.Add));
        Assert.Contains("model configuration differs", e.Message);
    }

    [Fact]
    public async Task An_interrupted_write_leaves_only_a_staging_folder_which_is_ignored_and_cleaned()
    {
        await TrainWithCheckpoints(4);
        var store = new CheckpointStore(_dir);
        var staging = store.BeginStaging(6);
        File.WriteAllText(Path.Combine(staging, CheckpointManifest.TowerFile(0)), "half a shard");
        Assert.Equal(4, store.LatestValid(Model, _ => { })!.Value.Manifest.Step);
        store.Prune(3, null);
        Assert.False(Directory.Exists(staging));
    }

    [Fact]
    public async Task Resume_after_damage_continues_from_the_last_good_checkpoint_to_the_planned_step()
    {
        await TrainWithCheckpoints(6);
        var newest = new CheckpointStore(_dir).Folders().First();
        File.Delete(Path.Combine(newest, CheckpointManifest.TowerFile(0)));
        var events = new List<object>();
        var settings = new TrainingSettings
        {
            BatchSize = 16, Epochs = 5, MaxSteps = 8, Seed = 6, LogEvery = 1, Validate = false, CheckpointDir = _dir, CheckpointEverySteps = 2,
        };
        var result = await LocalRun.RunAsync(new LocalRunOptions(TestSetup.Tiny(2), settings, TestSetup.Data(train: 128), TestSetup.Augmentation, Loaders: 1),
            e => { lock (events) events.Add(e); });
        Assert.Equal(8, result.Steps);
        Assert.Contains(events.OfType<RunNotice>(), n => n.IsError && n.Message.Contains("step-000000006"));
        Assert.Contains(events.OfType<RunNotice>(), n => n.Message.StartsWith("resuming from") && n.Message.Contains("step 4"));
        Assert.Equal(new long[] { 4, 5, 6, 7 }, events.OfType<StepCompleted>().Select(s => s.Step));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
