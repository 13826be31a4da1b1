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

    private async Task<List<string>> TrainWithCheckpoints(long steps, bool validate = false, int keep = 10, int batch = 16, List<object>? events = null)
    {
        var folders = new List<string>();
        var settings = new TrainingSettings
        {
            BatchSize = batch, Epochs = 5, MaxSteps = steps, Seed = 6, LogEvery = 0, Validate = validate,
            CheckpointDir = _dir, CheckpointEverySteps = 2, KeepCheckpoints = keep,
        };
        await LocalRun.RunAsync(new LocalRunOptions(TestSetup.Tiny(2), settings, TestSetup.Data(train: 128), TestSetup.Augmentation, Loaders: 1),
            e => { if (e is CheckpointWritten c) folders.Add(c.Folder); lock (folders) events?.Add(e); });
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
        store.Prune(3, null, 4);
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

    [Fact]
    public async Task A_manifest_that_is_null_lacks_its_state_or_names_another_step_is_skipped()
    {
        var folders = await TrainWithCheckpoints(8);
        var store = new CheckpointStore(_dir);
        var log = new List<string>();
        string Manifest(int i) => Path.Combine(folders[i], CheckpointStore.ManifestName);
        File.WriteAllText(Manifest(3), "null");
        var withoutState = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Manifest(2)))!.AsObject();
        withoutState.Remove("State");
        File.WriteAllText(Manifest(2), withoutState.ToJsonString());
        File.WriteAllText(Manifest(1), File.ReadAllText(Manifest(1)).Replace("\"Step\": 4,", "\"Step\": 40,"));

        Assert.Equal(2, store.LatestValid(Model, log.Add)!.Value.Manifest.Step);
        Assert.Contains(log, l => l.Contains("step-000000008") && l.Contains("lacks the model, the state or the file list"));
        Assert.Contains(log, l => l.Contains("step-000000006") && l.Contains("its state is of step 0"));
        Assert.Contains(log, l => l.Contains("step-000000004") && l.Contains("the folder's name says 4"));
    }

    [Fact]
    public async Task Pruning_keeps_the_new_checkpoint_and_does_not_count_damaged_later_ones()
    {
        await TrainWithCheckpoints(4, keep: 1);
        // A later checkpoint that does not verify (a truncated shard): the resumed run skips it.
        var damaged = Path.Combine(_dir, CheckpointStore.FolderName(999));
        Directory.CreateDirectory(damaged);
        foreach (var f in Directory.GetFiles(Path.Combine(_dir, CheckpointStore.FolderName(4))))
            File.Copy(f, Path.Combine(damaged, Path.GetFileName(f)));
        File.WriteAllText(Path.Combine(damaged, CheckpointStore.ManifestName),
            File.ReadAllText(Path.Combine(damaged, CheckpointStore.ManifestName)).Replace("\"Step\": 4,", "\"Step\": 999,"));
        var shard = Path.Combine(damaged, CheckpointManifest.TowerFile(0));
        File.WriteAllBytes(shard, File.ReadAllBytes(shard)[..100]);

        var written = await TrainWithCheckpoints(8, keep: 1);
        Assert.Equal(new[] { 6L, 8 }, written.Select(f => CheckpointStore.StepOf(f)!.Value));
        var store = new CheckpointStore(_dir);
        Assert.Equal(new[] { 999L, 8 }, store.Folders().Select(f => CheckpointStore.StepOf(f)!.Value));
        Assert.Equal(8, store.LatestValid(Model, _ => { })!.Value.Manifest.Step);
    }

    [Fact]
    public async Task Resuming_with_another_batch_size_is_refused_naming_both()
    {
        await TrainWithCheckpoints(4);
        var e = await Assert.ThrowsAsync<TrainingFailedException>(() => TrainWithCheckpoints(8, batch: 32));
        Assert.Contains("was made with batch size 16, this run has 32 (alexnet.train.batch-size)", e.Message);
    }

    [Fact]
    public async Task A_run_cut_short_mid_epoch_validates_before_its_last_checkpoint_so_a_resume_has_nothing_left()
    {
        // 8 batches per epoch; 6 steps end the run mid-epoch on a step that checkpoint-every 2 also hits.
        var events = new List<object>();
        await TrainWithCheckpoints(6, validate: true, events: events);
        int validated = events.FindIndex(e => e is EpochCompleted { ValidationTop1Error: not null });
        int last = events.FindIndex(e => e is CheckpointWritten { Step: 6 });
        Assert.True(validated >= 0 && last > validated, $"validation at event {validated}, step-6 checkpoint at event {last}");
        Assert.True(((CheckpointWritten)events[last]).EpochEnd);

        var again = new List<object>();
        await TrainWithCheckpoints(6, validate: true, events: again);
        Assert.Contains(again.OfType<RunNotice>(), n => n.Message.StartsWith("resuming from") && n.Message.Contains("step 6"));
        Assert.Empty(again.OfType<EpochCompleted>()); // validated already: nothing is left to do
    }

    [Fact]
    public async Task A_manifest_edited_to_another_width_is_refused_for_inference_naming_the_checkpoint()
    {
        var folders = await TrainWithCheckpoints(2);
        string manifest = Path.Combine(folders[0], CheckpointStore.ManifestName);
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("\"Width\": 0.25", "\"Width\": 0.5"));
        var e = Assert.Throws<AlexNet.Actors.Inference.ModelInputException>(() => AlexNet.Actors.Inference.LoadedCheckpoint.Open(folders[0], "cpu"));
        Assert.Contains($"checkpoint {folders[0]}", e.Message);
        Assert.Contains("has shape", e.Message);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
