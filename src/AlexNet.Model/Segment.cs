namespace AlexNet.Model;

/// <summary>
/// The pieces a tower's forward pass is cut into. Each segment after <see cref="Stem"/> starts
/// at a cross-GPU layer and so reads the full (all towers') output of the segment before it.
/// </summary>
public enum Segment
{
    /// <summary>conv1 → ReLU → LRN → pool → conv2 → ReLU → LRN → pool, on the tower's own maps.</summary>
    Stem = 0,
    /// <summary>conv3 (reads both towers' conv2 maps) → ReLU → conv4 → ReLU → conv5 → ReLU → pool → flatten.</summary>
    Trunk = 1,
    /// <summary>fc6 (reads every tower's pool5) → ReLU → dropout.</summary>
    Fc6 = 2,
    /// <summary>fc7 (reads all of fc6) → ReLU → dropout.</summary>
    Fc7 = 3,
    /// <summary>fc8 (reads all of fc7): this tower's slice of the logits.</summary>
    Fc8 = 4,
}

public static class Segments
{
    public static readonly Segment[] All = { Segment.Stem, Segment.Trunk, Segment.Fc6, Segment.Fc7, Segment.Fc8 };
    public static bool HasDropout(this Segment s) => s is Segment.Fc6 or Segment.Fc7;
    /// <summary>The cross-GPU layer whose input is gathered after segment <paramref name="s"/> (null after fc8: the logits).</summary>
    public static string? NextCrossLayer(this Segment s) => s switch
    {
        Segment.Stem => "conv3", Segment.Trunk => "fc6", Segment.Fc6 => "fc7", Segment.Fc7 => "fc8", _ => null,
    };
}
