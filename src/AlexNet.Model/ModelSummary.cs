using System.Text;
using static TorchSharp.torch;

namespace AlexNet.Model;

/// <summary>
/// What `alexnet info` prints: each layer's output shape and parameter count per tower, measured
/// by running one image through real towers (gathering at the cross layers as the coordinator does),
/// and the total parameter count.
/// </summary>
public static class ModelSummary
{
    public sealed record LayerRow(string Layer, string Reads, long[] OutputShapePerTower, long ParametersPerTower, long ParametersAllTowers);

    public static (IReadOnlyList<LayerRow> Rows, long Total) Measure(AlexNetConfig config)
    {
        config.Validate();
        var towers = Enumerable.Range(0, config.Towers).Select(t => new Tower(config, t)).ToArray();
        try
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var rows = new List<LayerRow>();
            var image = zeros(1, AlexNetConfig.InputChannels, config.Crop, config.Crop);
            Tensor[] outs = towers.Select(t => t.Forward(Segment.Stem, image)).ToArray();
            var full = cat(outs, 1);
            rows.Add(Row("conv1..pool2 (stem)", "own maps", outs[0], towers, "conv1", "conv2"));
            outs = towers.Select(t => t.Forward(Segment.Trunk, full)).ToArray();
            rows.Add(Row("conv3..pool5 (trunk)", "all towers (conv3)", outs[0], towers, "conv3", "conv4", "conv5"));
            full = cat(outs, 1);
            foreach (var (seg, name) in new[] { (Segment.Fc6, "fc6"), (Segment.Fc7, "fc7"), (Segment.Fc8, "fc8") })
            {
                outs = towers.Select(t => t.Forward(seg, full)).ToArray();
                rows.Add(Row(name, "all towers", outs[0], towers, name));
                full = cat(outs, 1);
            }
            long total = towers.Sum(t => t.parameters().Sum(p => p.numel()));
            return (rows, total);
        }
        finally { foreach (var t in towers) t.Dispose(); }
    }

    private static LayerRow Row(string label, string reads, Tensor output, Tower[] towers, params string[] layers)
    {
        long Count(Tower t) => t.named_parameters().Where(p => layers.Contains(p.name.Split('.')[0])).Sum(p => p.parameter.numel());
        return new LayerRow(label, reads, output.shape.Skip(1).ToArray(), Count(towers[0]), towers.Sum(Count));
    }

    /// <summary>The per-layer table, with conv layers itemised, ending in "parameters: N".</summary>
    public static string Render(AlexNetConfig config)
    {
        var (rows, total) = Measure(config);
        var sb = new StringBuilder();
        sb.AppendLine($"AlexNet ({config}), {config.Towers} tower(s); per-tower output shapes exclude the batch dimension");
        sb.AppendLine($"{"segment",-22} {"reads",-20} {"output per tower",-18} {"params/tower (t0)",18} {"params all towers",18}");
        foreach (var r in rows)
            sb.AppendLine($"{r.Layer,-22} {r.Reads,-20} {"[" + string.Join("x", r.OutputShapePerTower) + "]",-18} {r.ParametersPerTower,18:N0} {r.ParametersAllTowers,18:N0}");
        sb.AppendLine($"layers: conv1 {config.Conv1Channels}@{config.Conv1Size}x{config.Conv1Size}, pool1 {config.Pool1Size}, " +
                      $"conv2 {config.Conv2Channels}@{config.Pool1Size}, pool2 {config.Pool2Size}, conv3 {config.Conv3Channels}, " +
                      $"conv4 {config.Conv4Channels}, conv5 {config.Conv5Channels}@{config.Pool2Size}, pool5 {config.Pool5Size}, " +
                      $"fc6 {config.Fc6Units} (in {config.Fc6Inputs}), fc7 {config.Fc7Units}, fc8 {config.Classes}");
        sb.Append($"parameters: {total}");
        return sb.ToString();
    }
}
