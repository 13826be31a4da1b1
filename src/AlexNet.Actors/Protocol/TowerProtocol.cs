using AlexNet.Data;
using AlexNet.Model;
using static TorchSharp.torch;

namespace AlexNet.Actors.Protocol;

// Messages between the coordinator and a tower actor.
//
// Tensor ownership: a tensor inside a message belongs to the receiver, which disposes it when done.
// A sender that keeps using the data sends its own handle (an alias sharing the storage), never
// the one it keeps. In one process tensors travel by reference: nothing is copied.

/// <summary>
/// Coordinator → tower, once before training: become tower <paramref name="Index"/> of
/// <paramref name="Config"/>, with these initial weights (CPU tensors, taken over by the tower)
/// or, when <paramref name="RestoreFrom"/> is set, the weights and momentum of that checkpoint
/// shard (verified against its SHA-256 first); this optimiser; the dataset statistics for input
/// normalisation; the precision, memory format and host-copy mode of its layers
/// (<paramref name="Compute"/>; null: fp32, contiguous). Reply: <see cref="TowerReady"/> or <see cref="TowerFailed"/>.
/// </summary>
public sealed record InitializeTower(
    int Index, AlexNetConfig Config, Dictionary<string, Tensor> Weights,
    double Momentum, double WeightDecay, MomentumForm MomentumForm, long RunSeed,
    DatasetStatistics Statistics, ShardRef? RestoreFrom = null, ComputeOptions? Compute = null);

/// <summary>A checkpoint shard file and the SHA-256 it must have.</summary>
public sealed record ShardRef(string Path, string Sha256);

/// <summary>
/// Coordinator → idle tower: write your weights and momentum to <paramref name="Path"/> (atomically).
/// Reply: <see cref="ShardSaved"/>, or <see cref="ShardSaveFailed"/> (the tower stays healthy).
/// </summary>
public sealed record SaveShard(long Step, string Path);

/// <summary>Tower → coordinator: the shard is on disk with this checksum and size.</summary>
public sealed record ShardSaved(long Step, int Tower, string Path, string Sha256, long Bytes);

/// <summary>Tower → coordinator: the shard could not be written (disk full, permissions...).</summary>
public sealed record ShardSaveFailed(long Step, int Tower, string Reason);

/// <summary>Tower → coordinator: initialised; holds <paramref name="Parameters"/> parameters on <paramref name="Device"/>.</summary>
public sealed record TowerReady(int Index, long Parameters, string Device);

/// <summary>
/// Coordinator → every tower: start step <paramref name="Step"/> on this batch and run the stem
/// (conv1…pool2) on its slice. Each tower normalises the batch on its own device, unless
/// <paramref name="Input"/> carries the normalised images already (towers in the coordinator's
/// process sharing a device get one normalised tensor, by reference, instead of K copies).
/// <paramref name="Train"/> false = evaluation: no graph, no dropout, no backward.
/// <paramref name="LossScale"/>: fp16 training, the multiplier of this step's gradients inside the
/// tower (<see cref="LossScaler"/>); 1 otherwise.
/// Reply: <see cref="SegmentOutput"/> for <see cref="Segment.Stem"/>.
/// </summary>
public sealed record BeginStep(long Step, ImageBatch Batch, bool Train, Tensor? Input = null, double LossScale = 1);

/// <summary>
/// Coordinator → every tower: run <paramref name="Segment"/> (Trunk, Fc6, Fc7 or Fc8) on the full
/// input gathered from all towers. Reply: <see cref="SegmentOutput"/>. After the Fc8 reply of an
/// evaluation step the tower is idle again.
/// </summary>
public sealed record ForwardSegment(long Step, Segment Segment, Tensor Input);

/// <summary>Tower → coordinator: this tower's slice of the segment's output (batch × its channels/units).</summary>
public sealed record SegmentOutput(long Step, int Tower, Segment Segment, Tensor Output);

/// <summary>
/// Coordinator → every tower: ∂L/∂(this tower's slice of the segment's output). The tower
/// back-propagates through the segment (accumulating its parameters' gradients).
/// Reply: <see cref="InputGradient"/> (∂L/∂ full segment input), or for the stem <see cref="BackwardDone"/>.
/// </summary>
public sealed record BackwardSegment(long Step, Segment Segment, Tensor OutputGradient);

/// <summary>Tower → coordinator: ∂L/∂(full input of the segment) as seen through this tower; the coordinator sums them.</summary>
public sealed record InputGradient(long Step, int Tower, Segment Segment, Tensor Gradient);

/// <summary>
/// Tower → coordinator: backward reached the image; gradients of every parameter are complete (and
/// unscaled). <paramref name="GradientsFinite"/> false: a loss-scaled step overflowed in this tower
/// (only loss-scaled steps are checked; others report true).
/// </summary>
public sealed record BackwardDone(long Step, int Tower, bool GradientsFinite = true);

/// <summary>
/// Coordinator → every tower: apply the SGD update with this learning rate, or with
/// <paramref name="Skip"/> drop this step's gradients and leave weights and momentum as they are
/// (an fp16 step whose gradients overflowed somewhere). Reply: <see cref="UpdateApplied"/>.
/// </summary>
public sealed record ApplyUpdate(long Step, double LearningRate, bool Skip = false);

/// <summary>Tower → coordinator: weights updated, step state freed; ready for the next step.</summary>
public sealed record UpdateApplied(long Step, int Tower);

/// <summary>Anyone → idle tower: send a copy of your weights and momentum. Reply: <see cref="TowerWeights"/>.</summary>
public sealed record GetTowerWeights;

/// <summary>Tower → asker: CPU copies of this tower's parameters and momentum buffers (the receiver disposes them).</summary>
public sealed record TowerWeights(int Index, Dictionary<string, Tensor> Parameters, Dictionary<string, Tensor> Momentum);

/// <summary>
/// Anyone → idle tower: replace weights and momentum (e.g. from a checkpoint; tensors taken over).
/// Reply: <see cref="TowerReady"/>.
/// </summary>
public sealed record SetTowerWeights(Dictionary<string, Tensor> Parameters, Dictionary<string, Tensor>? Momentum);

/// <summary>Tower → coordinator: a message could not be processed; the tower stops taking work. The run must stop.</summary>
public sealed record TowerFailed(int Tower, long Step, string Reason);

/// <summary>
/// A tower's stand-in (the cluster's tower proxy) → coordinator: the tower's process or node is gone
/// (it died, left or became unreachable); nothing went wrong in training itself. The coordinator
/// stops the run with <see cref="TowerLostFailure"/>, which a host able to replace the tower answers
/// by resuming from the last checkpoint. Local only (never serialized).
/// </summary>
public sealed record TowerLost(int Tower, string Reason);
