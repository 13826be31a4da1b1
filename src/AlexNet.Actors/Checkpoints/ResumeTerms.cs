using AlexNet.Actors.Training;

namespace AlexNet.Actors.Checkpoints;

/// <summary>
/// What a checkpoint's run and the run resuming it must share besides the model (which
/// <see cref="CheckpointStore.Verify"/> checks): the seed, which keys every random draw; the batch
/// size and the number of training images, which place the next batch in its epoch. Checked by the
/// coordinator, and by `alexnet train` before anything starts (so that a mismatch is a refusal, exit 2).
/// </summary>
public static class ResumeTerms
{
    /// <summary>Null when a run with <paramref name="settings"/> on <paramref name="trainImages"/> images of <paramref name="dataName"/> may resume <paramref name="state"/>; else why not.</summary>
    public static string? Refusal(string folder, CoordinatorState state, TrainingSettings settings, int trainImages, string dataName)
    {
        if (state.Seed != settings.Seed)
            return $"checkpoint {folder} was made with seed {state.Seed}, this run has seed {settings.Seed} (alexnet.train.seed)";
        if (state.BatchSize > 0 && state.BatchSize != settings.BatchSize)
            return $"checkpoint {folder} was made with batch size {state.BatchSize}, this run has {settings.BatchSize} " +
                   "(alexnet.train.batch-size): resuming would skip or repeat images of the epoch; use the same batch size, or another checkpoint folder";
        if (state.TrainImages > 0 && state.TrainImages != trainImages)
            return $"checkpoint {folder} was made on {state.TrainImages} training images, the data '{dataName}' has {trainImages}: " +
                   "the epoch's order would differ; resume on the same data, or start another checkpoint folder (alexnet import-weights takes the weights)";
        return null;
    }
}
