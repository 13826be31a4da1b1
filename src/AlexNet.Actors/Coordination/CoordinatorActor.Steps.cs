using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using AlexNet.Actors.Protocol;
using AlexNet.Actors.Training;
using AlexNet.Data;
using AlexNet.Model;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace AlexNet.Actors.Coordination;

/// <summary>
/// One step's message flow: the batch goes to every tower, the towers' slices are gathered at each
/// cross-tower layer and sent on in full, the loss is taken on the gathered logits, and on the way
/// back the towers' input gradients are summed and sliced; then every tower updates (or, in fp16,
/// skips an overflowing step). States Forward(segment) → Backward(segment) → Updating.
/// </summary>
public sealed partial class CoordinatorActor
{
    private void TryStartStep()
    {
        if (_current is not null) return;
        using var next = _ahead ?? TakeNext();
        _ahead = null;
        if (next is null)
        {
            if (NoBatchesLeft) Finish();
            else WatchAwaitedBatch();
            return;
        }
        var (key, batch) = (next.Key, next.Batch);
        bool train = key.Split == DataSplit.Train;
        long id = train ? _progress.Step : -1 - _progress.ValidationBatchesRun;
        double epochPosition = key.Epoch + (double)key.Index / _progress.BatchesPerEpoch;
        double rate = _schedule.RateAt(_progress.Step, epochPosition);
        _current = new ActiveStep(id, key, batch, rate, Stopwatch.StartNew());
        double lossScale = train ? _lossScaler.Scale : 1;
        if (_shareInputs)
        {
            for (int t = 0; t < _towers.Count; t++)
                _towers[t].Tell(new BeginStep(id, batch, train, next.Inputs[_towerDevices[t]].alias().DetachFromDisposeScope(), lossScale));
        }
        else
        {
            _pixelBuffers?.Share(batch.Pixels, _towers.Count);
            foreach (var t in _towers) t.Tell(new BeginStep(id, batch, train, LossScale: lossScale));
        }
        EnterForward(Segment.Stem);
        PrepareAhead();
    }

    private void Forward(Segment segment, Tensor?[] slices)
    {
        Receive<SegmentOutput>(m => m.Step == _current!.Step && m.Segment == segment, m =>
        {
            slices[m.Tower] = m.Output;
            if (slices.Any(s => s is null)) return;
            var parts = slices.Select(s => s!).ToArray();
            _current!.Widths[(int)segment] = parts.Select(p => p.shape[1]).ToArray();
            var full = StepRouting.Gather(parts, _device);
            if (segment == Segment.Fc8) { OnLogits(full); return; }
            var next = (Segment)((int)segment + 1);
            for (int t = 0; t < _towers.Count; t++)
                _towers[t].Tell(new ForwardSegment(_current.Step, next, full.alias().DetachFromDisposeScope()));
            full.Dispose();
            EnterForward(next);
        });
        Batches();
        CommonFailures();
    }

    private void Backward(Segment segment, Tensor?[] gradients, bool?[] finite)
    {
        Receive<InputGradient>(m => m.Step == _current!.Step && m.Segment == segment, m =>
        {
            gradients[m.Tower] = m.Gradient;
            if (gradients.Any(g => g is null)) return;
            using var total = StepRouting.Sum(gradients.Select(g => g!).ToArray(), _device);
            SendBackward((Segment)((int)segment - 1), total);
        });
        Receive<BackwardDone>(m => m.Step == _current!.Step && segment == Segment.Stem, m =>
        {
            finite[m.Tower] = m.GradientsFinite;
            if (finite.Any(f => f is null)) return;
            ApplyOrSkip(finite.All(f => f == true));
        });
        Batches();
        CommonFailures();
    }

    private void Updating(bool[] applied)
    {
        Receive<UpdateApplied>(m => m.Step == _current!.Step, m =>
        {
            applied[m.Tower] = true;
            if (applied.Any(a => !a)) return;
            var finished = _current!;
            _current = null;
            _progress.TrainingStepDone(finished, _listener, _lossScaler);
            // The run's last training step ends its epoch too (when --steps stops one early): its
            // validation comes next, and no step checkpoint may fall between the two, or a run resumed
            // from it would have nothing left to train and would never validate.
            bool lastOfEpoch = finished.Key.Index == _progress.BatchesPerEpoch - 1 || _progress.Step == _progress.TotalSteps || NoBatchesLeft;
            if (ValidationBatches() == 0 && lastOfEpoch)
            {
                EndOfEpoch((int)finished.Key.Epoch);
                CheckpointThen(finished.Key, epochEnd: true, AfterCheckpoint);
            }
            else if (!lastOfEpoch && (_stopReason is not null || (_settings.CheckpointEverySteps > 0 && _progress.Step % _settings.CheckpointEverySteps == 0)))
                CheckpointThen(finished.Key, epochEnd: false, AfterCheckpoint);
            else
            {
                Become(AwaitingBatch);
                AfterStep();
            }
        });
        Batches();
        CommonFailures();
    }

    /// <summary>
    /// Every tower's gradients are complete: the towers update, or (fp16, an overflow in some tower)
    /// all drop this step's gradients while the scale halves; a static scale stops the run instead.
    /// </summary>
    private void ApplyOrSkip(bool gradientsFinite)
    {
        var step = _current!;
        double scale = _lossScaler.Scale;
        var verdict = _lossScaler.AfterStep(gradientsFinite);
        if (verdict == LossScaleVerdict.Stop)
        {
            Fail($"step {step.Step}: fp16 gradients overflowed at loss scale {scale} (alexnet.train.loss-scale, " +
                 $"{_settings.Compute.LossScaleMode.Name()}): " +
                 (_settings.Compute.LossScaleMode == LossScaleMode.Static ? "lower the scale, or make it dynamic" : "they overflow even unscaled: the run diverged; lower the learning rate"));
            return;
        }
        if (verdict == LossScaleVerdict.Skip)
            _log.Info("step {0}: fp16 gradients overflowed at loss scale {1}; the update is skipped and the scale is now {2}", step.Step, scale, _lossScaler.Scale);
        foreach (var t in _towers) t.Tell(new ApplyUpdate(step.Step, step.LearningRate, Skip: verdict == LossScaleVerdict.Skip));
        EnterUpdating();
    }

    private void EnterForward(Segment segment)
    {
        Become(() => Forward(segment, new Tensor?[_towers.Count]));
        ArmTimeout($"step {_current!.Step}: waiting for the towers' {segment} outputs");
    }

    private void EnterUpdating()
    {
        Become(() => Updating(new bool[_towers.Count]));
        ArmTimeout($"step {_current!.Step}: waiting for the towers' updates");
    }

    private void OnLogits(Tensor logits)
    {
        var step = _current!;
        using var scope = NewDisposeScope();
        scope.Attach(logits);
        // Without blocking (page-locked staging): a plain copy to a GPU waits for all the work queued
        // there, i.e. the whole forward pass, before the loss and the towers' backward can be queued.
        using var hostLabels = tensor(step.Batch.Labels.Select(l => (long)l).ToArray());
        var labels = HostCopy.ToDevice(hostLabels, _device, pinned: _settings.Compute.PinnedMemory);
        if (step.Key.Split == DataSplit.Validation)
        {
            float valLoss = F.cross_entropy(logits, labels).item<float>();
            _current = null;
            _progress.ValidationBatchDone(valLoss, TopKErrors.Of(logits, labels));
            if (step.Key.Index == ValidationBatches() - 1)
            {
                EndOfEpoch((int)step.Key.Epoch);
                CheckpointThen(_progress.LastTrainedKey, epochEnd: true, AfterCheckpoint);
            }
            else
            {
                Become(AwaitingBatch);
                AfterStep();
            }
            return;
        }
        var leaf = logits.detach().requires_grad_(true);
        var loss = F.cross_entropy(leaf, labels);
        loss.backward();
        // The towers get ∂L/∂logits before anything is read back: on a GPU each read (the loss, the
        // top-k counts) waits for the device to finish, and the towers' backward is queued behind
        // nothing but the loss's own kernels. A non-finite loss still stops the run before any update.
        SendBackward(Segment.Fc8, leaf.grad!);
        step.Loss = loss.item<float>();
        step.Errors = TopKErrors.Of(logits, labels);
        if (!float.IsFinite(step.Loss))
            Fail($"step {step.Step}: the loss is {step.Loss} (diverged; lower the learning rate" +
                 (_settings.Compute.Precision == Precision.Fp16 ? "; in fp16 the activations may have passed 65504: bf16 has fp32's range)" : ")"));
    }

    /// <summary>Cuts ∂L/∂(output of <paramref name="segment"/>) into the towers' slices and sends them.</summary>
    private void SendBackward(Segment segment, Tensor fullGradient)
    {
        var slices = StepRouting.Slice(fullGradient, _current!.Widths[(int)segment]!);
        for (int t = 0; t < _towers.Count; t++) _towers[t].Tell(new BackwardSegment(_current.Step, segment, slices[t]));
        Become(() => Backward(segment, new Tensor?[_towers.Count], new bool?[_towers.Count]));
        ArmTimeout($"step {_current.Step}: waiting for the towers' {segment} gradients");
    }
}
