using System.Diagnostics;
using AlexNet.Actors.Training;
using AlexNet.Data;
using AlexNet.Model;

namespace AlexNet.Actors.Coordination;

/// <summary>The coordinator's record of the step (training or validation batch) in progress.</summary>
internal sealed class ActiveStep(long step, BatchKey key, ImageBatch batch, double learningRate, Stopwatch clock)
{
    public long Step { get; } = step;
    public BatchKey Key { get; } = key;
    public ImageBatch Batch { get; } = batch;
    public double LearningRate { get; } = learningRate;
    public Stopwatch Clock { get; } = clock;
    /// <summary>Width (dim 1) of each tower's output per segment, recorded on the way forward to cut gradients on the way back.</summary>
    public long[]?[] Widths { get; } = new long[]?[Segments.All.Length];
    public float Loss { get; set; }
    public TopKErrors Errors { get; set; }
}
