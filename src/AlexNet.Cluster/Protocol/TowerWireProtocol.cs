using AlexNet.Actors.Protocol;
using AlexNet.Cluster.Wire;
using AlexNet.Model;

namespace AlexNet.Cluster.Protocol;

// The tower protocol's tensor-carrying messages as they cross a process boundary: the same
// fields, with every Tensor replaced by a TensorBlob (bytes). A RemoteTowerProxy (coordinator's
// node) turns the engine's messages into these and a TowerEndpoint (tower's node) turns them back,
// and the other way for replies (see TowerWire). Messages of the tower protocol without tensors
// (BeginStep, ApplyUpdate, SaveShard, GetTowerWeights, TowerReady, BackwardDone, UpdateApplied,
// ShardSaved, ShardSaveFailed, TowerFailed) travel as they are.

/// <summary>Proxy → endpoint: <see cref="InitializeTower"/> with its initial weights as bytes. Reply: <see cref="TowerReady"/> or <see cref="TowerFailed"/>.</summary>
public sealed record WireInitializeTower(
    int Index, AlexNetConfig Config, Dictionary<string, TensorBlob> Weights,
    double Momentum, double WeightDecay, MomentumForm MomentumForm, long RunSeed,
    AlexNet.Data.DatasetStatistics Statistics, ShardRef? RestoreFrom, ComputeOptions Compute);

/// <summary>Proxy → endpoint: <see cref="ForwardSegment"/>. Reply: <see cref="WireSegmentOutput"/>.</summary>
public sealed record WireForwardSegment(long Step, Segment Segment, TensorBlob Input);

/// <summary>Endpoint → proxy: <see cref="SegmentOutput"/>.</summary>
public sealed record WireSegmentOutput(long Step, int Tower, Segment Segment, TensorBlob Output);

/// <summary>Proxy → endpoint: <see cref="BackwardSegment"/>. Reply: <see cref="WireInputGradient"/> or <see cref="BackwardDone"/>.</summary>
public sealed record WireBackwardSegment(long Step, Segment Segment, TensorBlob OutputGradient);

/// <summary>Endpoint → proxy: <see cref="InputGradient"/>.</summary>
public sealed record WireInputGradient(long Step, int Tower, Segment Segment, TensorBlob Gradient);

/// <summary>Endpoint → proxy: <see cref="TowerWeights"/>.</summary>
public sealed record WireTowerWeights(int Index, Dictionary<string, TensorBlob> Parameters, Dictionary<string, TensorBlob> Momentum);

/// <summary>Proxy → endpoint: <see cref="SetTowerWeights"/>. Reply: <see cref="TowerReady"/>.</summary>
public sealed record WireSetTowerWeights(Dictionary<string, TensorBlob> Parameters, Dictionary<string, TensorBlob>? Momentum);
