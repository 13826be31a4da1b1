using System.Text.Json;
using System.Text.Json.Serialization;
using AlexNet.Model;

namespace AlexNet.Actors.Checkpoints;

/// <summary>One file of a checkpoint with what it must hash to.</summary>
public sealed record CheckpointFile(string Name, string Sha256, long Bytes);

/// <summary>
/// Where training stands after a checkpointed step: enough, with the seed (every random draw is
/// keyed by seed, epoch, batch and step), to continue exactly as if never stopped.
/// </summary>
public sealed record CoordinatorState
{
    /// <summary>Training steps completed.</summary>
    public long Step { get; init; }
    /// <summary>Next training batch: epoch and batch index within it.</summary>
    public int NextEpoch { get; init; }
    public int NextBatch { get; init; }
    public double[] ScheduleState { get; init; } = Array.Empty<double>();
    public double? BestValidationTop1 { get; init; }
    public long? BestStep { get; init; }
    /// <summary>The unfinished epoch's running sums, so its summary covers all of it.</summary>
    public double EpochLossSum { get; init; }
    public int EpochBatches { get; init; }
    public int EpochTop1Misses { get; init; }
    public int EpochTop5Misses { get; init; }
    public int EpochImages { get; init; }
    public long Seed { get; init; }
    /// <summary>The batch size and training-set size the batch numbers count in (0: a checkpoint from before they were kept).</summary>
    public int BatchSize { get; init; }
    public int TrainImages { get; init; }
    /// <summary>fp16: the dynamic loss scale reached, its run of finite steps, and the steps skipped so far (0: not fp16).</summary>
    public double LossScale { get; init; }
    public int LossScaleGoodSteps { get; init; }
    public long SkippedSteps { get; init; }
}

/// <summary>
/// Ties one checkpoint's files together: written last, so a checkpoint folder without a valid
/// manifest, or whose files do not match it, is incomplete or damaged and is not used.
/// </summary>
public sealed record CheckpointManifest
{
    public const int CurrentFormat = 1;
    public int Format { get; init; } = CurrentFormat;
    public long Step { get; init; }
    public DateTime CreatedUtc { get; init; }
    public AlexNetConfig Model { get; init; } = AlexNetConfig.Paper;
    public CoordinatorState State { get; init; } = new();
    public double? ValidationTop1Error { get; init; }
    public List<CheckpointFile> Files { get; init; } = new();

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string TowerFile(int tower) => $"tower-{tower}.safetensors";
}
