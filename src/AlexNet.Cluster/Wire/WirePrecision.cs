namespace AlexNet.Cluster.Wire;

/// <summary>
/// How float32 activations and gradients travel between processes (alexnet.cluster.wire-precision).
/// Weights, momentum and images always travel exactly.
/// </summary>
public enum WirePrecision
{
    /// <summary>As computed: float32. The cluster then trains exactly like one process.</summary>
    Full,
    /// <summary>IEEE half precision: half the bytes, about 3 significant digits.</summary>
    Float16,
    /// <summary>bfloat16: half the bytes, float32's range, about 2 significant digits.</summary>
    BFloat16,
}
