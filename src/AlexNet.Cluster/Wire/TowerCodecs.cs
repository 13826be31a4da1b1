using AlexNet.Actors.Protocol;
using AlexNet.Cluster.Protocol;
using AlexNet.Model;

namespace AlexNet.Cluster.Wire;

/// <summary>Codecs of the tower protocol as it crosses processes (tensor messages in their wire form).</summary>
internal static class TowerCodecs
{
    public static void Register(MessageCodec c)
    {
        c.Register<WireInitializeTower>("t.init", (w, m) =>
        {
            w.Int(m.Index); w.Config(m.Config); w.Tensors(m.Weights); w.Double(m.Momentum); w.Double(m.WeightDecay);
            w.Int((int)m.MomentumForm); w.Long(m.RunSeed); w.Statistics(m.Statistics); w.Shard(m.RestoreFrom); w.Compute(m.Compute);
        }, r => new WireInitializeTower(r.Int(), r.Config(), r.Tensors(), r.Double(), r.Double(), r.Enum<MomentumForm>(r.Int()),
            r.Long(), r.Statistics(), r.Shard(), r.Compute()));
        c.Register<TowerReady>("t.ready", (w, m) => { w.Int(m.Index); w.Long(m.Parameters); w.String(m.Device); },
            r => new TowerReady(r.Int(), r.Long(), r.String()));
        c.Register<BeginStep>("t.begin", (w, m) => { w.Long(m.Step); w.Batch(m.Batch); w.Bool(m.Train); w.Double(m.LossScale); },
            r => new BeginStep(r.Long(), r.Batch(), r.Bool(), LossScale: r.Double()));
        c.Register<WireForwardSegment>("t.fwd", (w, m) => { w.Long(m.Step); w.Int((int)m.Segment); w.Tensor(m.Input); },
            r => new WireForwardSegment(r.Long(), r.Segment(), r.Tensor()));
        c.Register<WireSegmentOutput>("t.out", (w, m) => { w.Long(m.Step); w.Int(m.Tower); w.Int((int)m.Segment); w.Tensor(m.Output); },
            r => new WireSegmentOutput(r.Long(), r.Int(), r.Segment(), r.Tensor()));
        c.Register<WireBackwardSegment>("t.bwd", (w, m) => { w.Long(m.Step); w.Int((int)m.Segment); w.Tensor(m.OutputGradient); },
            r => new WireBackwardSegment(r.Long(), r.Segment(), r.Tensor()));
        c.Register<WireInputGradient>("t.grad", (w, m) => { w.Long(m.Step); w.Int(m.Tower); w.Int((int)m.Segment); w.Tensor(m.Gradient); },
            r => new WireInputGradient(r.Long(), r.Int(), r.Segment(), r.Tensor()));
        c.Register<BackwardDone>("t.bdone", (w, m) => { w.Long(m.Step); w.Int(m.Tower); w.Bool(m.GradientsFinite); },
            r => new BackwardDone(r.Long(), r.Int(), r.Bool()));
        c.Register<ApplyUpdate>("t.apply", (w, m) => { w.Long(m.Step); w.Double(m.LearningRate); w.Bool(m.Skip); },
            r => new ApplyUpdate(r.Long(), r.Double(), r.Bool()));
        c.Register<UpdateApplied>("t.applied", (w, m) => { w.Long(m.Step); w.Int(m.Tower); }, r => new UpdateApplied(r.Long(), r.Int()));
        c.Register<SaveShard>("t.save", (w, m) => { w.Long(m.Step); w.String(m.Path); }, r => new SaveShard(r.Long(), r.String()));
        c.Register<ShardSaved>("t.saved", (w, m) => { w.Long(m.Step); w.Int(m.Tower); w.String(m.Path); w.String(m.Sha256); w.Long(m.Bytes); },
            r => new ShardSaved(r.Long(), r.Int(), r.String(), r.String(), r.Long()));
        c.Register<ShardSaveFailed>("t.savefail", (w, m) => { w.Long(m.Step); w.Int(m.Tower); w.String(m.Reason); },
            r => new ShardSaveFailed(r.Long(), r.Int(), r.String()));
        c.Register<GetTowerWeights>("t.getw", (_, _) => { }, _ => new GetTowerWeights());
        c.Register<WireTowerWeights>("t.weights", (w, m) => { w.Int(m.Index); w.Tensors(m.Parameters); w.Tensors(m.Momentum); },
            r => new WireTowerWeights(r.Int(), r.Tensors(), r.Tensors()));
        c.Register<WireSetTowerWeights>("t.setw", (w, m) =>
        {
            w.Tensors(m.Parameters);
            w.Bool(m.Momentum is not null);
            if (m.Momentum is not null) w.Tensors(m.Momentum);
        }, r => new WireSetTowerWeights(r.Tensors(), r.Bool() ? r.Tensors() : null));
        c.Register<TowerFailed>("t.failed", (w, m) => { w.Int(m.Tower); w.Long(m.Step); w.String(m.Reason); },
            r => new TowerFailed(r.Int(), r.Long(), r.String()));
    }
}
