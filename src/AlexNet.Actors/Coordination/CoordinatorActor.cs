using Akka.Actor;
using Akka.Event;
using AlexNet.Actors.Checkpoints;
using AlexNet.Actors.Protocol;
using AlexNet.Actors.Training;
using AlexNet.Data;
using AlexNet.Model;
using static TorchSharp.torch;

namespace AlexNet.Actors.Coordination;

/// <summary>
/// Drives training. Per step: takes the next batch from the prefetch window, gives it to every
/// tower, gathers the towers' slices at conv3, fc6, fc7 and fc8 and sends the full tensor to
/// every tower, computes softmax cross-entropy on the gathered logits, and on the way back sums
/// the towers' input gradients and returns each tower its slice; then tells the towers to step.
/// Validation runs at every epoch end; the learning-rate schedule follows it. States:
/// Describing → Initializing → AwaitingBatch → Forward(segment) → Backward(segment) → Updating →
/// … → Finished, or Failed on any tower/loader error, lost actor or step timeout. A tower that is
/// lost rather than broken (<see cref="TowerLost"/>, or a tower actor that stops without an error)
/// ends the run with <see cref="TowerLostFailure"/>, which a host able to replace it may recover from.
/// A step's flow is in CoordinatorActor.Steps.cs, the loaders and batches in CoordinatorActor.Batches.cs,
/// the checkpoints in CoordinatorActor.Checkpoints.cs, stopping when asked in CoordinatorActor.Stopping.cs.
/// </summary>
public sealed partial class CoordinatorActor : ReceiveActor, IWithTimers
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly AlexNetConfig _requestedConfig;
    private readonly TrainingSettings _settings;
    private readonly IReadOnlyList<IActorRef> _towers;
    private readonly List<IActorRef> _startLoaders; // the loaders until the prefetcher takes them over (Describing)
    private readonly Dictionary<IActorRef, string> _loaderNodes; // where each loader runs, when a host said so
    private readonly IActorRef _listener;
    private readonly Device _device;
    private readonly bool _shareInputs;
    private readonly PixelBufferPool? _pixelBuffers;
    private readonly Dictionary<string, InputNormalizer> _normalizers = new(); // by device, when sharing inputs
    private readonly string[] _towerDevices;

    private AlexNetConfig _config = null!;
    private DataDescription _data = null!;
    private BatchPrefetcher _prefetcher = null!;
    private LearningRateSchedule _schedule = null!;
    private RunProgress _progress = null!;
    private LossScaler _lossScaler = null!;
    private int _readyTowers;
    private long _phase; // identifies the current phase for its timeout
    private ActiveStep? _current;
    private PreparedBatch? _ahead; // the next batch, its input made during the current step
    private BatchKey? _watchedBatch; // the batch the running timeout waits for, in AwaitingBatch
    private CheckpointStore? _store;
    private (string Folder, CheckpointManifest Manifest)? _resumeFrom;
    private double? _bestValidationTop1;
    private long? _bestStep;
    private string? _stopReason; // a StopTraining request, acted on at the next point a run can resume from

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="shareInputs">
    /// True when every tower lives in this process: the coordinator then normalises each batch once
    /// per device and hands the towers that tensor by reference.
    /// </param>
    /// <param name="pixelBuffers">
    /// The pool the batches' pixel buffers come from (in-process loaders, or the data channel reading
    /// remote loaders' batches). With <paramref name="shareInputs"/>, each batch's pixels go back to it
    /// once normalised, as nothing reads them after that; otherwise the towers read them (they go to
    /// other processes), so the buffer is shared among the towers' proxies, which release it once
    /// the batch is on its way (<see cref="PixelBufferPool.Share"/>).
    /// </param>
    /// <param name="loaderNodes">
    /// Where each loader runs (a cluster node), when several share one: a loader that does not deliver
    /// is taken off the run together with the others of its node (<see cref="LoaderDropped"/>).
    /// Loaders not listed are each a node of their own.
    /// </param>
    public CoordinatorActor(AlexNetConfig config, TrainingSettings settings, IReadOnlyList<IActorRef> towers,
        IReadOnlyList<IActorRef> loaders, IActorRef listener, string deviceSpec, bool shareInputs = false, PixelBufferPool? pixelBuffers = null,
        IReadOnlyDictionary<IActorRef, string>? loaderNodes = null)
    {
        _loaderNodes = loaderNodes?.ToDictionary(p => p.Key, p => p.Value) ?? new Dictionary<IActorRef, string>();
        _shareInputs = shareInputs;
        _pixelBuffers = pixelBuffers;
        _towerDevices = new string[towers.Count];
        _requestedConfig = config;
        _settings = settings.Check();
        _towers = towers;
        _startLoaders = loaders.ToList();
        _listener = listener;
        _device = ComputeDevice.Resolve(deviceSpec);
        if (towers.Count != config.Towers)
            throw new ArgumentException($"{towers.Count} tower actors for a {config.Towers}-tower model");
        if (loaders.Count == 0) throw new ArgumentException("at least one data loader is needed");
        Become(Describing);
    }

    public static Props Props(AlexNetConfig config, TrainingSettings settings, IReadOnlyList<IActorRef> towers,
        IReadOnlyList<IActorRef> loaders, IActorRef listener, string deviceSpec = "cpu", bool shareInputs = false, PixelBufferPool? pixelBuffers = null,
        IReadOnlyDictionary<IActorRef, string>? loaderNodes = null) =>
        Akka.Actor.Props.Create(() => new CoordinatorActor(config, settings, towers, loaders, listener, deviceSpec, shareInputs, pixelBuffers, loaderNodes))
            .WithDispatcher("akka.actor.coordinator-dispatcher");

    protected override void PreStart()
    {
        foreach (var a in _towers.Concat(_startLoaders)) Context.Watch(a);
        AskForDescription();
    }

    // ---- States ---------------------------------------------------------------------------

    private void Describing()
    {
        Receive<DataDescription>(OnDataDescription);
        // Loaders may come and go before the run has its prefetcher (a recovery, a node leaving).
        Receive<LoaderJoined>(m =>
        {
            if (_startLoaders.Contains(m.Loader)) return;
            if (m.Node is not null) _loaderNodes[m.Loader] = m.Node;
            Context.Watch(m.Loader);
            _startLoaders.Add(m.Loader);
            if (_startLoaders.Count == 1) AskForDescription();
        });
        Receive<LoaderLeft>(m => DropStartLoader(m.Loader));
        Receive<Terminated>(m => _startLoaders.Contains(m.ActorRef), m => DropStartLoader(m.ActorRef));
        CommonFailures();
    }

    private void Initializing()
    {
        Receive<TowerReady>(m =>
        {
            _log.Info("tower {0} ready on {1}: {2:N0} parameters", m.Index, m.Device, m.Parameters);
            _towerDevices[m.Index] = m.Device;
            if (_shareInputs && !_normalizers.ContainsKey(m.Device))
                _normalizers[m.Device] = new InputNormalizer(_data.Statistics, new Device(m.Device), _settings.Compute.PinnedMemory);
            if (++_readyTowers < _towers.Count) return;
            _progress.Start();
            _prefetcher.Fill(Self);
            Become(AwaitingBatch);
            TryStartStep();
        });
        Batches(); // loaders may come and go while the towers load their weights
        CommonFailures();
    }

    private void AwaitingBatch()
    {
        Receive<BatchReady>(m =>
        {
            Deliver(m);
            TryStartStep();
        });
        Receive<PhaseTimedOut>(m => m.Phase == _phase, OnBatchOverdue);
        Batches();
        CommonFailures();
    }

    protected override void PostStop()
    {
        _ahead?.Dispose();
        foreach (var n in _normalizers.Values) n.Dispose();
    }

    private void Done()
    {
        ReceiveAny(m => DisposeTensors(m));
    }

    // ---- Transitions ----------------------------------------------------------------------

    private void OnDataDescription(DataDescription d)
    {
        _data = d;
        _config = (_requestedConfig.Classes > 0 ? _requestedConfig : _requestedConfig with { Classes = d.ClassNames.Count }).Validate();
        if (_config.Classes != d.ClassNames.Count)
        {
            Fail($"the model has {_config.Classes} classes but the data '{d.Name}' has {d.ClassNames.Count}");
            return;
        }
        if (_config.Crop > d.StoredSide)
        {
            Fail($"crop {_config.Crop} is larger than the stored images ({d.StoredSide}x{d.StoredSide}) of '{d.Name}'");
            return;
        }
        int perEpoch = d.TrainCount / _settings.BatchSize;
        if (perEpoch == 0)
        {
            Fail($"the training set of '{d.Name}' ({d.TrainCount} images) is smaller than one batch ({_settings.BatchSize})");
            return;
        }
        long totalSteps = (long)perEpoch * _settings.Epochs;
        if (_settings.MaxSteps > 0) totalSteps = Math.Min(totalSteps, _settings.MaxSteps);
        _schedule = LearningRateSchedule.Create(_settings.Schedule, _settings.LearningRate, _settings.Epochs, perEpoch, _settings.MaxSteps);
        _progress = new RunProgress(_settings, perEpoch, totalSteps, ValidationBatches());
        _lossScaler = new LossScaler(_settings.Compute);

        CoordinatorState? resumed = null;
        if (_settings.CheckpointDir is { } dir)
        {
            _store = new CheckpointStore(dir);
            if (!_settings.Resume && _store.Folders().Any())
            {
                Fail($"{_store.Root} already holds checkpoints and resume is off: choose another folder or turn resume on");
                return;
            }
            if (_settings.Resume)
            {
                try { _resumeFrom = _store.LatestValid(_config, line => Notice(line, isError: true)); }
                catch (InvalidDataException e) { Fail(e.Message + " (remove them or choose another run folder to start over)"); return; }
            }
            if (_resumeFrom is { } r)
            {
                resumed = r.Manifest.State;
                if (ResumeTerms.Refusal(r.Folder, resumed, _settings, d.TrainCount, d.Name) is { } refusal) { Fail(refusal); return; }
                _progress.Restore(resumed);
                _schedule.Restore(resumed.ScheduleState);
                _lossScaler.Restore(resumed.LossScale, resumed.LossScaleGoodSteps, resumed.SkippedSteps);
                (_bestValidationTop1, _bestStep) = (resumed.BestValidationTop1, resumed.BestStep);
                Notice($"resuming from {r.Folder} (step {resumed.Step}, epoch {resumed.NextEpoch + 1}, batch {resumed.NextBatch + 1})");
            }
        }
        _listener.Tell(new TrainingStarted(resumed?.Step ?? 0, _resumeFrom?.Folder));
        _prefetcher = new BatchPrefetcher(Schedule(perEpoch, totalSteps, resumed), _settings.MaxBatchesInFlight);
        foreach (var l in _startLoaders) _prefetcher.AddLoader(l);

        _log.Info("data '{0}': {1} train / {2} validation images, {3} classes; model {4}", d.Name, d.TrainCount, d.ValidationCount, d.ClassNames.Count, _config);
        var weights = _resumeFrom is null ? PaperInit.TowerWeights(_config, _settings.Seed) : null;
        for (int t = 0; t < _towers.Count; t++)
        {
            var shard = _resumeFrom is { } from
                ? new ShardRef(Path.Combine(from.Folder, CheckpointManifest.TowerFile(t)), from.Manifest.Files.Single(f => f.Name == CheckpointManifest.TowerFile(t)).Sha256)
                : null;
            _towers[t].Tell(new InitializeTower(t, _config, weights?[t] ?? new Dictionary<string, Tensor>(), _settings.Momentum, _settings.WeightDecay,
                _settings.MomentumForm, _settings.Seed, d.Statistics, shard, _settings.Compute));
        }
        Become(Initializing);
        ArmTimeout("waiting for the towers to initialise");
    }

    private int ValidationBatches() =>
        _settings.Validate ? (_data.ValidationCount + _settings.EffectiveValidationBatchSize - 1) / _settings.EffectiveValidationBatchSize : 0;

    /// <summary>
    /// Every batch the run will still consume, in order: each epoch's training batches, then its
    /// validation batches; from the start, or from where a checkpoint left off.
    /// </summary>
    private IEnumerable<BatchKey> Schedule(int perEpoch, long totalSteps, CoordinatorState? from)
    {
        long step = from?.Step ?? 0;
        int firstEpoch = from?.NextEpoch ?? 0, firstBatch = from?.NextBatch ?? 0;
        for (int epoch = firstEpoch; epoch < _settings.Epochs && step < totalSteps; epoch++)
        {
            for (int b = epoch == firstEpoch ? firstBatch : 0; b < perEpoch && step < totalSteps; b++, step++)
                yield return new BatchKey(DataSplit.Train, epoch, b, _settings.BatchSize, BatchView.Train);
            for (int v = 0; v < ValidationBatches(); v++)
                yield return new BatchKey(DataSplit.Validation, epoch, v, _settings.EffectiveValidationBatchSize, BatchView.Centre);
        }
    }

    private void AfterStep()
    {
        _prefetcher.Fill(Self);
        TryStartStep();
    }

    private void EndOfEpoch(int epoch)
    {
        var summary = _progress.EpochDone(epoch, _schedule.RateAt(_progress.Step, epoch + 1));
        bool reduced = summary.ValidationTop1Error is { } err && _schedule.OnValidation(epoch, err);
        if (summary.ValidationTop1Error is { } e && (_bestValidationTop1 is null || e < _bestValidationTop1))
            (_bestValidationTop1, _bestStep) = (e, _progress.Step);
        _listener.Tell(summary with { LearningRateReduced = reduced, LearningRate = reduced ? _schedule.RateAt(_progress.Step, epoch + 1) : summary.LearningRate });
    }

    private void Finish()
    {
        Timers.CancelAll();
        _listener.Tell(_progress.Finished());
        Become(Done);
    }

    private void Notice(string message, bool isError = false)
    {
        _log.Info(message); // at Info: the listener prints it (errors as warnings), and Akka would print it twice
        _listener.Tell(new RunNotice(message, isError));
    }

    private void CommonFailures()
    {
        Receive<StopTraining>(OnStopRequested);
        Receive<TowerFailed>(m => Fail($"tower {m.Tower} failed in step {m.Step}: {m.Reason}"));
        Receive<ChildFailed>(m => Fail($"{m.Child} crashed: {m.Reason}"));
        Receive<TowerLost>(m => Fail($"tower {m.Tower} was lost: {m.Reason}", lostTower: m.Tower));
        // A tower that throws is reported first (TowerFailed or ChildFailed); one that just stops is gone.
        Receive<Terminated>(m => _towers.Contains(m.ActorRef), m => Fail($"{Describe(m.ActorRef)} stopped unexpectedly", lostTower: IndexOf(m.ActorRef)));
        Receive<Terminated>(m => Fail($"{Describe(m.ActorRef)} stopped unexpectedly"));
        Receive<PhaseTimedOut>(m => m.Phase == _phase, m => Fail($"timed out after {_settings.StepTimeout}: {m.What}"));
        Receive<PhaseTimedOut>(_ => { });
        ReceiveAny(m => DisposeTensors(m)); // a stale reply from an aborted phase
    }

    private string Describe(IActorRef actor)
    {
        int t = IndexOf(actor);
        return t >= 0 ? $"tower {t} ({actor.Path})" : $"data loader {actor.Path.Name}";
    }

    private int IndexOf(IActorRef tower) => _towers.ToList().IndexOf(tower);

    private void ArmTimeout(string what)
    {
        _watchedBatch = null;
        Timers.StartSingleTimer("phase", new PhaseTimedOut(++_phase, what), _settings.StepTimeout);
    }

    /// <param name="lostTower">Set when the cause is a tower that went away, not an error in training.</param>
    private void Fail(string reason, int? lostTower = null)
    {
        // At Info: the listener reports the failure (train's last line, the run host's notice or recovery), and an
        // Error here printed it twice; a lost tower is not even the run's end in a cluster.
        _log.Info("training failed: {0}", reason);
        Timers.CancelAll();
        _current = null;
        _listener.Tell(lostTower is { } t ? new TowerLostFailure(t, reason) : new TrainingFailed(reason));
        Become(Done);
    }

    private static void DisposeTensors(object m)
    {
        switch (m)
        {
            case SegmentOutput s: s.Output.Dispose(); break;
            case InputGradient g: g.Gradient.Dispose(); break;
        }
    }

    private sealed record PhaseTimedOut(long Phase, string What);
}

/// <summary>Sent by the run's supervisor when a child actor threw and was stopped.</summary>
public sealed record ChildFailed(string Child, string Reason);
