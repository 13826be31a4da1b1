using AlexNet.Actors.Checkpoints;
using AlexNet.Model;

namespace AlexNet.Actors.Inference;

/// <summary>
/// Finds the checkpoint a user means: a checkpoint folder itself (step-NNNNNNNNN with a manifest),
/// or a run's checkpoint folder, whose newest checkpoint that verifies is taken.
/// </summary>
public static class CheckpointLocator
{
    /// <summary>The checkpoint folder and its verified manifest; throws <see cref="ModelInputException"/> otherwise.</summary>
    public static (string Folder, CheckpointManifest Manifest) Resolve(string path, Action<string>? log = null)
    {
        if (!Directory.Exists(path))
            throw new ModelInputException($"checkpoint {path}: no such folder (expected a checkpoint folder step-NNNNNNNNN or a run's checkpoint folder holding them)");
        if (File.Exists(Path.Combine(path, CheckpointStore.ManifestName)))
        {
            try { return (Path.GetFullPath(path), CheckpointStore.Verify(path, expectedModel: null)); }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                throw new ModelInputException($"checkpoint {path} is not usable: {e.Message}");
            }
        }
        (string, CheckpointManifest)? latest;
        try { latest = new CheckpointStore(path).LatestValid(expectedModel: null, log ?? (_ => { })); }
        catch (InvalidDataException e) { throw new ModelInputException(e.Message); }
        return latest ?? throw new ModelInputException(
            $"checkpoint {path}: holds neither {CheckpointStore.ManifestName} nor step-NNNNNNNNN checkpoint folders (expected a folder written by 'alexnet train --checkpoint-dir' or 'alexnet import-weights')");
    }

    /// <summary>Throws unless the checkpoint's network can read images of this dataset and name its classes.</summary>
    public static void CheckAgainstData(AlexNetConfig model, string checkpoint, int classes, int imageSide, string data)
    {
        if (model.Classes != classes)
            throw new ModelInputException($"checkpoint {checkpoint} has {model.Classes} classes but {data} has {classes} (expected a checkpoint trained on this dataset's classes)");
        if (model.Crop > imageSide)
            throw new ModelInputException($"checkpoint {checkpoint} takes {model.Crop}x{model.Crop} crops but {data} stores {imageSide}x{imageSide} images (expected images at least as large as the crop)");
    }
}
