using Akka.Actor;
using Akka.Event;
using AlexNet.Actors.Protocol;
using AlexNet.Actors.Training;
using AlexNet.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace AlexNet.Actors.Towers;

/// <summary>
/// Owns one device and one tower: its 1/K of every layer and its optimiser state. Runs on a
/// pinned dispatcher (a thread of its own). States: Uninitialized → Idle ⇄ InStep; Broken after
/// any error (it reports <see cref="TowerFailed"/> once and refuses further work, so a run never
/// continues with a tower in an unknown state).
/// </summary>
public sealed class TowerActor : ReceiveActor, IWithUnboundedStash
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _deviceSpec;
    private readonly int _intraOpThreads;

    private Device _device = CPU;
    private IActorRef _coordinator = ActorRefs.Nobody;
    private int _index = -1;
    private Tower? _tower;
    private SgdMomentum? _sgd;
    private InputNormalizer? _normalizer;
    private long _runSeed;
    private bool _checksGradients; // fp16: whether each step's gradients are finite is reported (even at a loss scale of 1)
    private TowerStep? _step;

    public IStash Stash { get; set; } = null!;

    /// <param name="deviceSpec">cpu, cuda or cuda:N.</param>
    /// <param name="intraOpThreads">libtorch intra-op threads for this tower's thread (CPU); 0 leaves the default.</param>
    public TowerActor(string deviceSpec, int intraOpThreads)
    {
        _deviceSpec = deviceSpec;
        _intraOpThreads = intraOpThreads;
        Become(Uninitialized);
    }

    public static Props Props(string deviceSpec, int intraOpThreads) =>
        Akka.Actor.Props.Create(() => new TowerActor(deviceSpec, intraOpThreads)).WithDispatcher("akka.actor.tower-dispatcher");

    protected override void PreStart()
    {
        _device = ComputeDevice.Resolve(_deviceSpec);
        if (_device.type == DeviceType.CPU && _intraOpThreads > 0) set_num_threads(_intraOpThreads);
    }

    private void Uninitialized()
    {
        Receive<InitializeTower>(m => Guard(-1, () => Initialize(m)));
        ReceiveAny(m => IgnoreStale(m, "before its initialisation"));
    }

    private void Idle()
    {
        Receive<BeginStep>(m => Guard(m.Step, () => Begin(m)));
        Receive<GetTowerWeights>(_ => Guard(-1, () => Sender.Tell(Snapshot())));
        Receive<SetTowerWeights>(m => Guard(-1, () => Replace(m)));
        Receive<SaveShard>(SaveShard);
        ReceiveAny(m => IgnoreStale(m, "between steps"));
    }

    /// <summary>
    /// A request this state has no use for: left over from a coordinator that was replaced (a fresh
    /// tower can get the old proxy's last frames before the new one's first). Its tensors are freed
    /// now rather than whenever the GC finds them.
    /// </summary>
    private void IgnoreStale(object m, string when)
    {
        _log.Warning("tower {0} ignores a {1} that came {2}", _index, m.GetType().Name, when);
        DisposeMessageTensors(m);
    }

    private void InStep()
    {
        Receive<ForwardSegment>(m => Guard(m.Step, () => Forward(m)));
        Receive<BackwardSegment>(m => Guard(m.Step, () => Backward(m)));
        Receive<ApplyUpdate>(m => Guard(m.Step, () => Update(m)));
        // Weight requests wait for the step to end: a snapshot mid-step would mix two states.
        Receive<GetTowerWeights>(_ => Stash.Stash());
        Receive<SetTowerWeights>(_ => Stash.Stash());
        Receive<SaveShard>(_ => Stash.Stash());
    }

    private void Broken()
    {
        ReceiveAny(m =>
        {
            _log.Warning("tower {0} is broken and ignores {1}", _index, m.GetType().Name);
            DisposeMessageTensors(m);
        });
    }

    private void Initialize(InitializeTower m)
    {
        _coordinator = Sender;
        _index = m.Index;
        _runSeed = m.RunSeed;
        var compute = m.Compute ?? ComputeOptions.Default;
        _checksGradients = compute.ScalesLoss;
        _tower = new Tower(m.Config, m.Index, compute: compute);
        if (m.RestoreFrom is null) WeightMapping.Load(_tower, m.Weights);
        foreach (var w in m.Weights.Values) w.Dispose();
        if (_device.type != DeviceType.CPU) _tower.to(_device);
        _sgd = new SgdMomentum(_tower.named_parameters(), m.Momentum, m.WeightDecay, m.MomentumForm);
        if (m.RestoreFrom is { } shard) Restore(shard);
        _normalizer = new InputNormalizer(m.Statistics, _device, compute.PinnedMemory);
        Become(Idle);
        Sender.Tell(new TowerReady(_index, _tower.parameters().Sum(p => p.numel()), _device.ToString()));
    }

    private void Begin(BeginStep m)
    {
        _step = new TowerStep(m.Step, m.Train, m.Train ? m.LossScale : 1);
        Become(InStep);
        using var scope = NewDisposeScope();
        var image = m.Input is { } given ? OnDevice(given, scope) : _normalizer!.Normalize(m.Batch);
        if (m.Train)
        {
            var output = _tower!.Forward(Segment.Stem, image).DetachFromDisposeScope();
            _step.Keep(Segment.Stem, null, output, null);
            Reply(new SegmentOutput(m.Step, _index, Segment.Stem, output.detach().DetachFromDisposeScope()));
        }
        else
        {
            using var noGrad = no_grad();
            var output = _tower!.Forward(Segment.Stem, image).DetachFromDisposeScope();
            Reply(new SegmentOutput(m.Step, _index, Segment.Stem, output));
        }
    }

    private void Forward(ForwardSegment m)
    {
        var step = CurrentStep(m.Step);
        using var scope = NewDisposeScope();
        var input = OnDevice(m.Input, scope);
        if (step.Train)
        {
            var leaf = input.detach().requires_grad_(true).DetachFromDisposeScope();
            var mask = m.Segment.HasDropout() && _tower!.Config.Dropout > 0
                ? new DropoutMasks(_runSeed, m.Step, _tower.Config.Towers, _tower.Config.Dropout)
                    .ForTower(m.Segment, _index, input.shape[0], UnitsOf(m.Segment), _device).DetachFromDisposeScope()
                : null;
            var output = _tower!.Forward(m.Segment, leaf, mask).DetachFromDisposeScope();
            step.Keep(m.Segment, leaf, output, mask);
            Reply(new SegmentOutput(m.Step, _index, m.Segment, output.detach().DetachFromDisposeScope()));
        }
        else
        {
            using var noGrad = no_grad();
            var output = _tower!.Forward(m.Segment, input).DetachFromDisposeScope();
            if (m.Segment == Segment.Fc8) EndStep();
            Reply(new SegmentOutput(m.Step, _index, m.Segment, output));
        }
    }

    private void Backward(BackwardSegment m)
    {
        var step = CurrentStep(m.Step);
        if (!step.Train) throw new InvalidOperationException($"step {m.Step} is an evaluation step: no backward");
        using var scope = NewDisposeScope();
        var gradient = OnDevice(m.OutputGradient, scope);
        if (step.LossScale != 1) gradient = LossScaling.Scale(gradient, step.LossScale);
        step.Output(m.Segment).backward(new[] { gradient });
        if (m.Segment == Segment.Stem)
        {
            step.Release(m.Segment);
            bool finite = !_checksGradients || LossScaling.UnscaleGradientsAndCheck(_tower!.parameters(), step.LossScale);
            Reply(new BackwardDone(m.Step, _index, finite));
            return;
        }
        var inputGrad = step.Input(m.Segment)!.grad ?? throw new InvalidOperationException($"no input gradient for {m.Segment}");
        inputGrad.DetachFromDisposeScope();
        LossScaling.Unscale(inputGrad, step.LossScale);
        step.Release(m.Segment);
        Reply(new InputGradient(m.Step, _index, m.Segment, inputGrad));
    }

    private void Update(ApplyUpdate m)
    {
        CurrentStep(m.Step);
        if (!m.Skip) _sgd!.Step(m.LearningRate);
        _sgd!.ZeroGrad();
        EndStep();
        Reply(new UpdateApplied(m.Step, _index));
    }

    private void EndStep()
    {
        _step?.Dispose();
        _step = null;
        Become(Idle);
        Stash.UnstashAll();
    }

    private TowerWeights Snapshot()
    {
        static Tensor Copy(Tensor t) => t.device.type == DeviceType.CPU ? t.detach().clone() : t.detach().cpu();
        using var noGrad = no_grad();
        var parameters = _tower!.named_parameters().ToDictionary(p => p.name, p => Copy(p.parameter).DetachFromDisposeScope());
        var momentum = _sgd!.Velocities.ToDictionary(v => v.Key, v => Copy(v.Value).DetachFromDisposeScope());
        return new TowerWeights(_index, parameters, momentum);
    }

    private const string ParamPrefix = "param/", MomentumPrefix = "momentum/";

    /// <summary>Writes weights and momentum as one safetensors file; a failure is reported, never fatal.</summary>
    private void SaveShard(SaveShard m)
    {
        try
        {
            var tensors = new Dictionary<string, Tensor>();
            foreach (var (name, p) in _tower!.named_parameters()) tensors[ParamPrefix + name] = p;
            foreach (var (name, v) in _sgd!.Velocities) tensors[MomentumPrefix + name] = v;
            var (sha, bytes) = SafeTensors.Write(m.Path, tensors, new Dictionary<string, string>
            {
                ["tower"] = _index.ToString(), ["step"] = m.Step.ToString(), ["model"] = _tower.Config.ToString(),
            });
            Sender.Tell(new ShardSaved(m.Step, _index, m.Path, sha, bytes));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            _log.Error(e, "tower {0}: could not write checkpoint shard {1}", _index, m.Path);
            Sender.Tell(new ShardSaveFailed(m.Step, _index, $"{e.GetType().Name}: {e.Message}"));
        }
    }

    /// <summary>Loads weights and momentum from a checkpoint shard after checking its SHA-256.</summary>
    private void Restore(ShardRef shard)
    {
        var sha = SafeTensors.Sha256Of(shard.Path);
        if (sha != shard.Sha256) throw new InvalidDataException($"{shard.Path} does not match its checksum");
        var all = SafeTensors.Read(shard.Path);
        try
        {
            WeightMapping.Load(_tower!, all.Where(kv => kv.Key.StartsWith(ParamPrefix)).ToDictionary(kv => kv.Key[ParamPrefix.Length..], kv => kv.Value));
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            foreach (var (name, v) in _sgd!.Velocities)
            {
                if (!all.TryGetValue(MomentumPrefix + name, out var saved)) throw new InvalidDataException($"{shard.Path} lacks momentum of '{name}'");
                v.copy_(saved);
            }
        }
        finally { foreach (var t in all.Values) t.Dispose(); }
    }

    private void Replace(SetTowerWeights m)
    {
        WeightMapping.Load(_tower!, m.Parameters);
        if (m.Momentum is not null)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            foreach (var (name, v) in _sgd!.Velocities) v.copy_(m.Momentum[name]);
            foreach (var t in m.Momentum.Values) t.Dispose();
        }
        foreach (var t in m.Parameters.Values) t.Dispose();
        Sender.Tell(new TowerReady(_index, _tower!.parameters().Sum(p => p.numel()), _device.ToString()));
    }

    private long UnitsOf(Segment s) => s == Segment.Fc6 ? _tower!.Config.Fc6Units / _tower.Config.Towers : _tower!.Config.Fc7Units / _tower.Config.Towers;

    private TowerStep CurrentStep(long step) =>
        _step is { } s && s.Step == step ? s : throw new InvalidOperationException($"message for step {step}, but the tower is in step {_step?.Step}");

    /// <summary>The received tensor on this tower's device, owned by <paramref name="scope"/> (the message's handle is consumed).</summary>
    private Tensor OnDevice(Tensor received, DisposeScope scope)
    {
        if (received.device == _device)
        {
            scope.Attach(received);
            return received;
        }
        var moved = received.to(_device);
        received.Dispose();
        return moved;
    }

    private void Reply(object message) => _coordinator.Tell(message);

    private void Guard(long step, Action action)
    {
        try { action(); }
        catch (Exception e)
        {
            _log.Error(e, "tower {0} failed in step {1}", _index, step);
            _step?.Dispose();
            _step = null;
            Become(Broken);
            var target = _coordinator.IsNobody() ? Sender : _coordinator;
            target.Tell(new TowerFailed(_index, step, $"{e.GetType().Name}: {e.Message}"));
        }
    }

    private static void DisposeMessageTensors(object m)
    {
        switch (m)
        {
            case BeginStep b: b.Input?.Dispose(); break;
            case ForwardSegment f: f.Input.Dispose(); break;
            case BackwardSegment b: b.OutputGradient.Dispose(); break;
        }
    }

    protected override void PostStop()
    {
        _step?.Dispose();
        _sgd?.Dispose();
        _normalizer?.Dispose();
        _tower?.Dispose();
    }
}
