using AlexNet.Actors.Protocol;
using AlexNet.Cluster.Protocol;
using AlexNet.Data;
using AlexNet.Model;

namespace AlexNet.Cluster.Wire;

/// <summary>Encodings of the value types that messages carry (configurations, statistics, batches, channel points).</summary>
public static class ModelCodecs
{
    public static void Config(this WireWriter w, AlexNetConfig c)
    {
        w.Int(c.Towers); w.Int(c.Classes); w.Double(c.Width); w.Int(c.Crop); w.Double(c.Dropout); w.Int((int)c.InitScaling);
    }

    public static AlexNetConfig Config(this WireReader r) => new()
    {
        Towers = r.Int(), Classes = r.Int(), Width = r.Double(), Crop = r.Int(), Dropout = r.Double(), InitScaling = r.Enum<InitScaling>(r.Int()),
    };

    public static void Compute(this WireWriter w, ComputeOptions c)
    {
        w.Int((int)c.MemoryFormat); w.Int((int)c.Precision); w.Double(c.LossScale); w.Int((int)c.LossScaleMode); w.Int(c.LossScaleGrowthInterval);
        w.Bool(c.PinnedMemory);
    }

    public static ComputeOptions Compute(this WireReader r) => new ComputeOptions
    {
        MemoryFormat = r.Enum<MemoryFormat>(r.Int()), Precision = r.Enum<Precision>(r.Int()), LossScale = r.Double(),
        LossScaleMode = r.Enum<LossScaleMode>(r.Int()), LossScaleGrowthInterval = r.Int(), PinnedMemory = r.Bool(),
    };

    public static void Statistics(this WireWriter w, DatasetStatistics s)
    {
        w.Int(s.Side); w.Floats(s.MeanImage); w.Doubles(s.Eigenvalues); w.Doubles(s.Eigenvectors);
    }

    public static DatasetStatistics Statistics(this WireReader r)
    {
        var s = new DatasetStatistics(r.Int(), r.Floats(), r.Doubles(), r.Doubles());
        if (s.MeanImage.Length != 3 * s.Side * s.Side || s.Eigenvalues.Length != 3 || s.Eigenvectors.Length != 9)
            throw new InvalidDataException("dataset statistics with inconsistent sizes");
        return s;
    }

    public static void Batch(this WireWriter w, ImageBatch b)
    {
        w.Long(b.Epoch); w.Int(b.Index); w.Int(b.Side); w.Bytes(b.Pixels); w.Floats(b.Lighting); w.Ints(b.Labels);
        w.Int(b.Crops.Length);
        foreach (var c in b.Crops) { w.Int(c.X); w.Int(c.Y); w.Bool(c.Flipped); }
        w.Ints(b.SampleIndices);
    }

    public static ImageBatch Batch(this WireReader r)
    {
        long epoch = r.Long();
        int index = r.Int(), side = r.Int();
        var pixels = r.PixelBytes();
        var lighting = r.Floats();
        var labels = r.Ints();
        int crops = r.Int();
        if (crops != labels.Length) throw new InvalidDataException($"a batch of {labels.Length} images with {crops} crop boxes");
        var boxes = new CropBox[crops];
        for (int i = 0; i < crops; i++) boxes[i] = new CropBox(r.Int(), r.Int(), r.Bool());
        var samples = r.Ints();
        int n = labels.Length;
        if (pixels.LongLength != (long)n * 3 * side * side || lighting.Length != 3 * n || samples.Length != n)
            throw new InvalidDataException($"a batch of {n} images of side {side} with inconsistent array sizes");
        return new ImageBatch(epoch, index, side, pixels, lighting, labels, boxes, samples);
    }

    public static void Augmentation(this WireWriter w, AugmentationSettings a) { w.Int(a.Crop); w.Bool(a.Flip); w.Double(a.LightingStd); }
    public static AugmentationSettings Augmentation(this WireReader r) => new(r.Int(), r.Bool(), r.Double());

    public static void Profile(this WireWriter w, NodeProfile p)
    {
        w.Config(p.Model); w.Long(p.Seed); w.Augmentation(p.Augmentation); w.String(p.DataSource);
        w.Strings(p.TermsOrNone.Select(t => t.Key).ToList()); w.Strings(p.TermsOrNone.Select(t => t.Value).ToList());
    }

    public static NodeProfile Profile(this WireReader r)
    {
        var (model, seed, augmentation, source) = (r.Config(), r.Long(), r.Augmentation(), r.String());
        var (keys, values) = (r.Strings(), r.Strings());
        if (keys.Length != values.Length) throw new InvalidDataException($"{keys.Length} run term keys but {values.Length} values");
        return new NodeProfile(model, seed, augmentation, source, keys.Zip(values, (k, v) => new RunTerm(k, v)).ToArray());
    }

    public static void Channel(this WireWriter w, ChannelPoint c) { w.String(c.Node); w.String(c.Host); w.Int(c.Port); w.Bytes(c.Token); }
    public static ChannelPoint Channel(this WireReader r) => new(r.String(), r.String(), r.Int(), r.Bytes());

    public static void Shard(this WireWriter w, ShardRef? s)
    {
        w.Bool(s is not null);
        if (s is null) return;
        w.String(s.Path); w.String(s.Sha256);
    }

    public static ShardRef? Shard(this WireReader r) => r.Bool() ? new ShardRef(r.String(), r.String()) : null;

    public static Segment Segment(this WireReader r) => r.Enum<Segment>(r.Int());
    public static DataSplit Split(this WireReader r) => r.Enum<DataSplit>(r.Int());
}
