using AlexNet.Actors.Protocol;
using AlexNet.Cluster.Protocol;
using AlexNet.Cluster.Wire;
using AlexNet.Model;
using static TorchSharp.torch;

namespace AlexNet.Cluster.Proxies;

/// <summary>
/// Converts tower-protocol messages to their wire form and back. <see cref="ToWire"/> consumes the
/// message: the tensors in it are copied to bytes and disposed (the message belonged to the
/// sender's proxy or endpoint). <see cref="FromWire"/> makes new CPU tensors that belong to whoever
/// receives the returned message. Messages without tensors pass through unchanged.
/// Activations and gradients use <paramref name="precision"/>; weights always travel exactly.
/// </summary>
public static class TowerWire
{
    public static object ToWire(object message, WirePrecision precision)
    {
        switch (message)
        {
            case InitializeTower m:
                return new WireInitializeTower(m.Index, m.Config, Blobs(m.Weights), m.Momentum, m.WeightDecay, m.MomentumForm,
                    m.RunSeed, m.Statistics, m.RestoreFrom, m.Compute ?? ComputeOptions.Default);
            case BeginStep { Input: { } shared } m:
                // A tower in another process normalises the batch itself: the coordinator's shared tensor stays here.
                shared.Dispose();
                return m with { Input = null };
            case ForwardSegment m:
                using (m.Input) return new WireForwardSegment(m.Step, m.Segment, TensorBlob.From(m.Input, precision));
            case BackwardSegment m:
                using (m.OutputGradient) return new WireBackwardSegment(m.Step, m.Segment, TensorBlob.From(m.OutputGradient, precision));
            case SegmentOutput m:
                using (m.Output) return new WireSegmentOutput(m.Step, m.Tower, m.Segment, TensorBlob.From(m.Output, precision));
            case InputGradient m:
                using (m.Gradient) return new WireInputGradient(m.Step, m.Tower, m.Segment, TensorBlob.From(m.Gradient, precision));
            case TowerWeights m:
                return new WireTowerWeights(m.Index, Blobs(m.Parameters), Blobs(m.Momentum));
            case SetTowerWeights m:
                return new WireSetTowerWeights(Blobs(m.Parameters), m.Momentum is null ? null : Blobs(m.Momentum));
            default:
                return message;
        }
    }

    public static object FromWire(object message) => message switch
    {
        WireInitializeTower m => new InitializeTower(m.Index, m.Config, Tensors(m.Weights), m.Momentum, m.WeightDecay, m.MomentumForm,
            m.RunSeed, m.Statistics, m.RestoreFrom, m.Compute),
        WireForwardSegment m => new ForwardSegment(m.Step, m.Segment, m.Input.ToTensor()),
        WireBackwardSegment m => new BackwardSegment(m.Step, m.Segment, m.OutputGradient.ToTensor()),
        WireSegmentOutput m => new SegmentOutput(m.Step, m.Tower, m.Segment, m.Output.ToTensor()),
        WireInputGradient m => new InputGradient(m.Step, m.Tower, m.Segment, m.Gradient.ToTensor()),
        WireTowerWeights m => new TowerWeights(m.Index, Tensors(m.Parameters), Tensors(m.Momentum)),
        WireSetTowerWeights m => new SetTowerWeights(Tensors(m.Parameters), m.Momentum is null ? null : Tensors(m.Momentum)),
        _ => message,
    };

    /// <summary>Frees the tensors of an engine message that will not be delivered.</summary>
    public static void DisposeTensors(object message)
    {
        switch (message)
        {
            case InitializeTower m: foreach (var t in m.Weights.Values) t.Dispose(); break;
            case BeginStep m: m.Input?.Dispose(); break;
            case ForwardSegment m: m.Input.Dispose(); break;
            case BackwardSegment m: m.OutputGradient.Dispose(); break;
            case SegmentOutput m: m.Output.Dispose(); break;
            case InputGradient m: m.Gradient.Dispose(); break;
            case TowerWeights m: foreach (var t in m.Parameters.Values.Concat(m.Momentum.Values)) t.Dispose(); break;
            case SetTowerWeights m: foreach (var t in m.Parameters.Values.Concat(m.Momentum?.Values ?? Enumerable.Empty<Tensor>())) t.Dispose(); break;
        }
    }

    /// <summary>Bytes of every tensor (consumed) in a dictionary, exactly.</summary>
    private static Dictionary<string, TensorBlob> Blobs(Dictionary<string, Tensor> tensors)
    {
        var result = new Dictionary<string, TensorBlob>(tensors.Count);
        foreach (var (name, t) in tensors)
        {
            using (t) result[name] = TensorBlob.From(t);
        }
        return result;
    }

    private static Dictionary<string, Tensor> Tensors(Dictionary<string, TensorBlob> blobs)
    {
        var result = new Dictionary<string, Tensor>(blobs.Count);
        try
        {
            foreach (var (name, b) in blobs) result[name] = b.ToTensor();
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        return result;
    }
}
