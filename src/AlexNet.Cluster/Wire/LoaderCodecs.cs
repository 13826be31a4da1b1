using AlexNet.Actors.Protocol;
using AlexNet.Data;

namespace AlexNet.Cluster.Wire;

/// <summary>Codecs of the loader protocol (none of its messages holds a tensor).</summary>
internal static class LoaderCodecs
{
    public static void Register(MessageCodec c)
    {
        c.Register<DescribeData>("l.describe", (_, _) => { }, _ => new DescribeData());
        c.Register<DataDescription>("l.data", (w, m) =>
        {
            w.String(m.Name); w.Int(m.TrainCount); w.Int(m.ValidationCount); w.Strings(m.ClassNames); w.Int(m.StoredSide); w.Statistics(m.Statistics);
        }, r => new DataDescription(r.String(), r.Int(), r.Int(), r.Strings(), r.Int(), r.Statistics()));
        c.Register<LoadBatch>("l.load", (w, m) => { w.Int((int)m.Split); w.Long(m.Epoch); w.Int(m.Index); w.Int(m.BatchSize); w.Int((int)m.View); },
            r => new LoadBatch(r.Split(), r.Long(), r.Int(), r.Int(), r.Enum<BatchView>(r.Int())));
        c.Register<BatchReady>("l.ready", (w, m) =>
        {
            w.Int((int)m.Split); w.Batch(m.Batch); w.Long(m.AssemblyTime.Ticks);
            w.Ints(m.Batch.Skipped.Select(s => s.Index).ToArray()); w.Strings(m.Batch.Skipped.Select(s => s.Reason).ToList());
        }, r =>
        {
            var (split, batch, time) = (r.Split(), r.Batch(), TimeSpan.FromTicks(r.Long()));
            var (indices, reasons) = (r.Ints(), r.Strings());
            if (indices.Length != reasons.Length) throw new InvalidDataException($"{indices.Length} skipped images with {reasons.Length} reasons");
            return new BatchReady(split, batch with { Skipped = indices.Zip(reasons, (i, why) => new SkippedImage(i, why)).ToArray() }, time);
        });
        c.Register<BatchFailed>("l.failed", (w, m) => { w.Int((int)m.Split); w.Long(m.Epoch); w.Int(m.Index); w.String(m.Reason); },
            r => new BatchFailed(r.Split(), r.Long(), r.Int(), r.String()));
    }
}
