using static TorchSharp.torch;

namespace AlexNet.Model;

/// <summary>The floating type convolutions and fully connected layers compute in. Weights, SGD state and the loss stay fp32.</summary>
public enum Precision
{
    /// <summary>Everything in fp32 (the only mode before this option).</summary>
    Fp32,
    /// <summary>bfloat16: fp32's range with an 8-bit mantissa; needs no loss scaling; CPU and GPU.</summary>
    Bf16,
    /// <summary>IEEE half: a 11-bit mantissa but a range of only ±65504, so gradients are loss-scaled.</summary>
    Fp16,
}

public static class Precisions
{
    public static string Name(this Precision p) => p switch { Precision.Bf16 => "bf16", Precision.Fp16 => "fp16", _ => "fp32" };

    /// <summary>Parses "fp32", "bf16" or "fp16"; null for anything else.</summary>
    public static Precision? Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "fp32" or "float32" => Precision.Fp32,
        "bf16" or "bfloat16" => Precision.Bf16,
        "fp16" or "float16" or "half" => Precision.Fp16,
        _ => null,
    };

    /// <summary>The reduced scalar type, or null for fp32.</summary>
    public static ScalarType? ReducedType(this Precision p) => p switch
    {
        Precision.Bf16 => ScalarType.BFloat16,
        Precision.Fp16 => ScalarType.Float16,
        _ => null,
    };
}
