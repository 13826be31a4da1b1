using System.Diagnostics;
using AlexNet.Actors.Coordination;
using AlexNet.Actors.Training;
using AlexNet.Data;
using AlexNet.Model;
using Xunit;
using static TorchSharp.torch;

namespace AlexNet.Actors.Tests;

/// <summary>
/// TorchSharp lets an implicitly converted Scalar be finalised while libtorch still reads it; with
/// several threads and a busy GC that corrupts a run within seconds ("Unknown scalar type"). This
/// drives every tensor operation of a training step (input normalisation, all five segments,
/// dropout masks, the coordinator's gather/sum/slice, loss, SGD) on three threads under GC
/// pressure, as a run does, and must not fail.
/// </summary>
public class ScalarLifetimeStressTests
{
    [Fact]
    public void Training_step_operations_survive_threads_and_garbage_collections()
    {
        var config = TestSetup.Tiny(2) with { Classes = 10 };
        var data = TestSetup.Data(train: 64);
        var stats = data.Statistics with { Eigenvalues = new[] { 0.2, 0.02, 0.004 } };
        var clock = Stopwatch.StartNew();
        var limit = TimeSpan.FromSeconds(12);
        Exception? failure = null;
        long iterations = 0;
        var workers = Enumerable.Range(0, 3).Select(w => new Thread(() =>
        {
            set_num_threads(1);
            try
            {
                using var tower = new Tower(config, w % 2);
                using var sgd = new SgdMomentum(tower.named_parameters());
                using var normalizer = new InputNormalizer(stats, CPU);
                var assembler = new BatchAssembler(data.Train, stats, TestSetup.Augmentation, 1);
                var plan = new EpochPlan(1, data.Train.Count, 8);
                for (long step = 0; clock.Elapsed < limit && failure is null; step++)
                {
                    using var scope = NewDisposeScope();
                    var batch = assembler.Assemble(0, (int)(step % plan.BatchesPerEpoch), plan.Batch(0, (int)(step % plan.BatchesPerEpoch)), BatchView.Train);
                    var x = tower.Forward(Segment.Stem, normalizer.Normalize(batch));
                    var full = StepRouting.Gather(new[] { x.alias(), x.alias() }, CPU).flatten(1);
                    var masks = new DropoutMasks(1, step, 2, 0.5);
                    var fcIn = randn(8, config.Fc6Inputs);
                    var h = tower.Forward(Segment.Fc6, fcIn, masks.ForTower(Segment.Fc6, w % 2, 8, config.Fc6Units / 2, CPU));
                    var logits = StepRouting.Gather(new[] { h.alias(), h.alias() }, CPU);
                    var loss = nn.functional.cross_entropy(logits, tensor(batch.Labels.Select(l => (long)l).ToArray()));
                    loss.backward();
                    var summed = StepRouting.Sum(new[] { full.detach().clone(), full.detach().clone() }, CPU);
                    StepRouting.Slice(summed, new long[] { full.shape[1] / 2, full.shape[1] / 2 }).ToList().ForEach(t => t.Dispose());
                    TopKErrors.Of(logits.detach(), tensor(batch.Labels.Select(l => (long)l).ToArray()));
                    sgd.Step(0.001);
                    sgd.ZeroGrad();
                    Interlocked.Increment(ref iterations);
                }
            }
            catch (Exception e) { failure = e; }
        })).ToList();
        var garbage = new Thread(() =>
        {
            var r = new Random(1);
            while (clock.Elapsed < limit && failure is null)
            {
                GC.KeepAlive(new byte[r.Next(100_000, 2_000_000)]);
                if (r.Next(40) == 0) GC.Collect();
            }
        });
        workers.ForEach(t => t.Start());
        garbage.Start();
        workers.ForEach(t => t.Join());
        garbage.Join();
        Assert.True(failure is null, $"failed after {iterations} iterations: {failure}");
        Assert.True(iterations > 30, $"only {iterations} iterations ran");
    }
}
