using Akka.Actor;
using AlexNet.Actors.Checkpoints;
using AlexNet.Actors.Protocol;

namespace AlexNet.Actors.Coordination;

/// <summary>The coordinator's checkpoints: the towers write their shards, the coordinator commits the manifest.</summary>
public sealed partial class CoordinatorActor
{
    /// <summary>
    /// Writes a checkpoint of the state after <paramref name="lastTrained"/> (when checkpoints are
    /// on), then runs <paramref name="continuation"/>. Towers write their own shards in parallel; a
    /// failed write leaves the previous checkpoint as it was and the run going.
    /// </summary>
    private void CheckpointThen(BatchKey lastTrained, bool epochEnd, Action continuation)
    {
        if (_store is null || _progress.Step == 0 || _progress.Step == _progress.CheckpointedStep)
        {
            Become(AwaitingBatch);
            continuation();
            return;
        }
        long step = _progress.Step;
        string staging;
        try { staging = _store.BeginStaging(step); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Notice($"checkpoint at step {step} failed: {e.Message}; the previous checkpoint is kept", isError: true);
            Become(AwaitingBatch);
            continuation();
            return;
        }
        for (int t = 0; t < _towers.Count; t++)
            _towers[t].Tell(new SaveShard(step, Path.Combine(staging, CheckpointManifest.TowerFile(t))));
        var saved = new ShardSaved?[_towers.Count];
        Become(() => Checkpointing(step, lastTrained, epochEnd, staging, saved, continuation));
        ArmTimeout($"step {step}: waiting for the towers' checkpoint shards");
    }

    private void Checkpointing(long step, BatchKey lastTrained, bool epochEnd, string staging, ShardSaved?[] saved, Action continuation)
    {
        Receive<ShardSaved>(m => m.Step == step, m =>
        {
            saved[m.Tower] = m;
            if (saved.Any(x => x is null)) return;
            try
            {
                var manifest = new CheckpointManifest
                {
                    Step = step, CreatedUtc = DateTime.UtcNow, Model = _config, State = State(lastTrained),
                    ValidationTop1Error = _bestStep == step ? _bestValidationTop1 : null,
                    Files = saved.Select(x => new CheckpointFile(Path.GetFileName(x!.Path), x.Sha256, x.Bytes)).ToList(),
                };
                var folder = _store!.Commit(staging, manifest);
                _store.Prune(_settings.KeepCheckpoints, _bestStep, step);
                _progress.CheckpointedStep = step;
                Notice($"checkpoint {folder}");
                _listener.Tell(new CheckpointWritten(step, folder, epochEnd));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _store!.Abandon(staging);
                Notice($"checkpoint at step {step} failed: {e.Message}; the previous checkpoint is kept", isError: true);
            }
            Become(AwaitingBatch);
            continuation();
        });
        Receive<ShardSaveFailed>(m => m.Step == step, m =>
        {
            _store!.Abandon(staging);
            Notice($"checkpoint at step {step} failed: tower {m.Tower} could not write its shard: {m.Reason}; the previous checkpoint is kept", isError: true);
            // Other towers' replies for this step are now stale and ignored.
            Become(AwaitingBatch);
            continuation();
        });
        Batches();
        CommonFailures();
    }

    private CoordinatorState State(BatchKey lastTrained)
    {
        bool epochDone = lastTrained.Index == _progress.BatchesPerEpoch - 1;
        var sums = _progress.EpochSums;
        return new CoordinatorState
        {
            Step = _progress.Step,
            NextEpoch = (int)lastTrained.Epoch + (epochDone ? 1 : 0),
            NextBatch = epochDone ? 0 : lastTrained.Index + 1,
            ScheduleState = _schedule.State,
            BestValidationTop1 = _bestValidationTop1,
            BestStep = _bestStep,
            EpochLossSum = sums.LossSum, EpochBatches = sums.Batches, EpochTop1Misses = sums.Errors.Top1Misses,
            EpochTop5Misses = sums.Errors.Top5Misses, EpochImages = sums.Images,
            Seed = _settings.Seed,
            BatchSize = _settings.BatchSize,
            TrainImages = _data.TrainCount,
            LossScale = _lossScaler.ChecksGradients ? _lossScaler.Scale : 0,
            LossScaleGoodSteps = _lossScaler.GoodSteps,
            SkippedSteps = _lossScaler.SkippedSteps,
        };
    }
}
