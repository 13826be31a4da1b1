using System.Text.Json;
using AlexNet.Model;

namespace AlexNet.Actors.Checkpoints;

/// <summary>
/// A run's checkpoint folder: one sub-folder per checkpoint (step-000000123), each with its tower
/// shards and a manifest. A checkpoint is built in a hidden staging folder and becomes visible by
/// one rename after its manifest is on disk, so a crash at any moment leaves either the whole
/// checkpoint or none. Keeps the newest <c>keepLast</c> and the best by validation error.
/// </summary>
public sealed class CheckpointStore(string root)
{
    public const string ManifestName = "manifest.json";
    public string Root { get; } = Path.GetFullPath(root);

    public static string FolderName(long step) => $"step-{step:D9}";

    /// <summary>A fresh, empty staging folder for the checkpoint of <paramref name="step"/>.</summary>
    public string BeginStaging(long step)
    {
        var staging = Path.Combine(Root, $".staging-{FolderName(step)}");
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        Directory.CreateDirectory(staging);
        return staging;
    }

    /// <summary>Writes the manifest into the staging folder and publishes the checkpoint atomically.</summary>
    public string Commit(string staging, CheckpointManifest manifest)
    {
        foreach (var f in manifest.Files)
        {
            var path = Path.Combine(staging, f.Name);
            if (!File.Exists(path) || new FileInfo(path).Length != f.Bytes)
                throw new IOException($"checkpoint file {path} is missing or has the wrong size");
        }
        var manifestPath = Path.Combine(staging, ManifestName);
        using (var fs = new FileStream(manifestPath, FileMode.Create, FileAccess.Write))
        {
            JsonSerializer.Serialize(fs, manifest, CheckpointManifest.Json);
            fs.Flush(flushToDisk: true);
        }
        var final = Path.Combine(Root, FolderName(manifest.Step));
        if (Directory.Exists(final)) Directory.Delete(final, recursive: true);
        Directory.Move(staging, final);
        return final;
    }

    public void Abandon(string staging)
    {
        try { if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true); }
        catch (IOException) { }
    }

    /// <summary>Checkpoint folders, newest first (by step in the name).</summary>
    public IEnumerable<string> Folders() =>
        Directory.Exists(Root)
            ? Directory.GetDirectories(Root, "step-*").Where(d => StepOf(d) is not null).OrderByDescending(d => StepOf(d))
            : Enumerable.Empty<string>();

    /// <summary>The step in a checkpoint folder's name (step-000000123), or null for another name.</summary>
    public static long? StepOf(string folder) =>
        Path.GetFileName(folder.TrimEnd('/')) is var name && name.StartsWith("step-", StringComparison.Ordinal) && long.TryParse(name[5..], out var step) ? step : null;

    /// <summary>Reads and fully verifies one checkpoint (manifest, every file's size and SHA-256, the model).</summary>
    public static CheckpointManifest Verify(string folder, AlexNetConfig? expectedModel)
    {
        var manifestPath = Path.Combine(folder, ManifestName);
        if (!File.Exists(manifestPath)) throw new InvalidDataException("no manifest (an interrupted write)");
        CheckpointManifest manifest;
        try { manifest = JsonSerializer.Deserialize<CheckpointManifest>(File.ReadAllText(manifestPath), CheckpointManifest.Json)!; }
        catch (JsonException e) { throw new InvalidDataException($"manifest is not valid: {e.Message}"); }
        if (manifest is null || manifest.Model is null || manifest.State is null || manifest.Files is null)
            throw new InvalidDataException("manifest is not valid: it lacks the model, the state or the file list");
        if (manifest.Format != CheckpointManifest.CurrentFormat) throw new InvalidDataException($"format {manifest.Format}, expected {CheckpointManifest.CurrentFormat}");
        if (manifest.State.Step != manifest.Step)
            throw new InvalidDataException($"manifest is not valid: step {manifest.Step}, but its state is of step {manifest.State.Step}");
        if (StepOf(folder) is { } named && named != manifest.Step)
            throw new InvalidDataException($"manifest is not valid: it is of step {manifest.Step}, the folder's name says {named}");
        if (expectedModel is not null && manifest.Model != expectedModel)
            throw new InvalidDataException($"model configuration differs: checkpoint has {manifest.Model}, this run has {expectedModel}");
        for (int t = 0; t < manifest.Model.Towers; t++)
            if (manifest.Files.All(f => f.Name != CheckpointManifest.TowerFile(t)))
                throw new InvalidDataException($"the manifest lists no {CheckpointManifest.TowerFile(t)}");
        foreach (var f in manifest.Files)
        {
            var path = Path.Combine(folder, f.Name);
            if (!File.Exists(path)) throw new InvalidDataException($"{f.Name} is missing");
            long length = new FileInfo(path).Length;
            if (length != f.Bytes) throw new InvalidDataException($"{f.Name} has {length} bytes, the manifest says {f.Bytes}");
            if (SafeTensors.Sha256Of(path) != f.Sha256) throw new InvalidDataException($"{f.Name} does not match its checksum (damaged)");
        }
        return manifest;
    }

    /// <summary>
    /// The newest checkpoint that verifies, skipping (and reporting through <paramref name="log"/>)
    /// every newer one that is damaged, partial or from another model. Null when there are none;
    /// throws when there are checkpoints but none is usable.
    /// </summary>
    public (string Folder, CheckpointManifest Manifest)? LatestValid(AlexNetConfig? expectedModel, Action<string> log)
    {
        var problems = new List<(string Folder, string Reason)>();
        foreach (var folder in Folders())
        {
            try
            {
                var manifest = Verify(folder, expectedModel);
                if (problems.Count > 0) log($"using checkpoint {Path.GetFileName(folder)} (step {manifest.Step})");
                return (folder, manifest);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                problems.Add((Path.GetFileName(folder), e.Message));
                log($"checkpoint {Path.GetFileName(folder)} is not usable: {e.Message}; trying the previous one");
            }
        }
        // One line per reason (every kept checkpoint of another model gives the same one).
        if (problems.Count > 0)
            throw new InvalidDataException($"no usable checkpoint in {Root}: " + string.Join("; ", problems.GroupBy(p => p.Reason)
                .Select(g => $"{(g.Count() == 1 ? "checkpoint" : "checkpoints")} {string.Join(", ", g.Select(p => p.Folder))}: {g.Key}")));
        return null;
    }

    /// <summary>
    /// Deletes all but the newest <paramref name="keepLast"/> checkpoints up to <paramref name="committedStep"/>
    /// (the one just written, always kept) and the one of <paramref name="bestStep"/>. Folders of later
    /// steps are left alone and not counted: a run that resumed from an older checkpoint found them
    /// unusable (damaged, or of another model), so counting them could delete every good checkpoint.
    /// </summary>
    public void Prune(int keepLast, long? bestStep, long committedStep)
    {
        foreach (var folder in Folders().Where(f => StepOf(f) <= committedStep).Skip(Math.Max(1, keepLast)))
        {
            if (bestStep is { } b && StepOf(folder) == b) continue;
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
        foreach (var stale in Directory.Exists(Root) ? Directory.GetDirectories(Root, ".staging-*") : Array.Empty<string>())
            Abandon(stale);
    }
}
