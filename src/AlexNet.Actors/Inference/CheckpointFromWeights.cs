using AlexNet.Actors.Checkpoints;
using AlexNet.Actors.Training;
using AlexNet.Model;
using static TorchSharp.torch;

namespace AlexNet.Actors.Inference;

/// <summary>
/// Writes reference weights as a training checkpoint (step 0): each tower's block of rows as its
/// shard, zero momentum, a fresh schedule. `alexnet eval` and the other commands read it, and
/// `alexnet train --checkpoint-dir` continues from it as from any checkpoint (same seed).
/// </summary>
public static class CheckpointFromWeights
{
    /// <returns>The checkpoint folder written.</returns>
    public static string Write(ReferenceAlexNet reference, string root, long seed, string source)
    {
        var store = new CheckpointStore(root);
        if (store.Folders().Any())
            throw new ModelInputException($"--out {root}: already holds checkpoints (expected an empty or new folder, so that no run's checkpoints are mixed with these weights)");
        var config = reference.Config;
        var staging = store.BeginStaging(0);
        try
        {
            var files = new List<CheckpointFile>();
            for (int t = 0; t < config.Towers; t++)
            {
                var slice = WeightMapping.TowerSlice(reference, t);
                var tensors = new Dictionary<string, Tensor>();
                try
                {
                    foreach (var (name, p) in slice)
                    {
                        tensors[CheckpointWeights.ParamPrefix + name] = p;
                        tensors[CheckpointWeights.MomentumPrefix + name] = zeros_like(p);
                    }
                    var file = CheckpointManifest.TowerFile(t);
                    var (sha, bytes) = SafeTensors.Write(Path.Combine(staging, file), tensors, new Dictionary<string, string>
                    {
                        ["tower"] = t.ToString(), ["step"] = "0", ["model"] = config.ToString(), ["imported-from"] = Path.GetFileName(source),
                    });
                    files.Add(new CheckpointFile(file, sha, bytes));
                }
                finally { foreach (var x in tensors.Values) x.Dispose(); }
            }
            var manifest = new CheckpointManifest
            {
                Step = 0,
                CreatedUtc = DateTime.UtcNow,
                Model = config,
                State = new CoordinatorState
                {
                    Seed = seed,
                    // The default (plateau) schedule's state before any validation; other schedules keep none.
                    ScheduleState = LearningRateSchedule.Create(new ScheduleSettings(), 0.01, 1, 1, 0).State,
                },
                Files = files,
            };
            return store.Commit(staging, manifest);
        }
        catch
        {
            store.Abandon(staging);
            throw;
        }
    }
}
