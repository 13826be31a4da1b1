using static TorchSharp.torch;

namespace AlexNet.Model;

/// <summary>How convolutions see their 4-D inputs and weights in memory.</summary>
public enum MemoryFormat
{
    /// <summary>NCHW, each channel a contiguous plane (libtorch's default; the only layout before this option).</summary>
    Contiguous,
    /// <summary>
    /// NHWC ("channels_last"): the channels of one pixel are adjacent. cuDNN's tensor-core kernels
    /// read this layout natively; for NCHW tensors cuDNN may have to transpose around them.
    /// </summary>
    ChannelsLast,
}

public static class MemoryFormats
{
    public static string Name(this MemoryFormat f) => f == MemoryFormat.ChannelsLast ? "channels-last" : "contiguous";

    /// <summary>Parses "contiguous" or "channels-last" (also "channels_last"); null for anything else.</summary>
    public static MemoryFormat? Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "contiguous" => MemoryFormat.Contiguous,
        "channels-last" or "channels_last" => MemoryFormat.ChannelsLast,
        _ => null,
    };

    /// <summary>
    /// The same NCHW tensor with NHWC strides. TorchSharp 0.107 has no contiguous(memory_format)
    /// (its memory_format enum is taken by no method), so this is what that call does: make the
    /// NHWC-ordered view contiguous and view it back as NCHW. A tensor already in NHWC comes back
    /// as a view, without a copy. The result is a new handle (owned by the caller's dispose scope).
    /// </summary>
    public static Tensor ToChannelsLast(this Tensor x)
    {
        if (x.dim() != 4) throw new ArgumentException($"channels-last needs a 4-D tensor, not {x.dim()}-D");
        using var nhwc = x.permute(0, 2, 3, 1);
        using var packed = nhwc.contiguous();
        return packed.permute(0, 3, 1, 2);
    }

    /// <summary>True when <paramref name="x"/> is 4-D with dense NHWC strides (exact for tensors without size-1 dimensions).</summary>
    public static bool IsChannelsLast(this Tensor x)
    {
        if (x.dim() != 4) return false;
        long c = x.shape[1], w = x.shape[3], h = x.shape[2];
        return x.stride(1) == 1 && x.stride(3) == c && x.stride(2) == c * w && x.stride(0) == c * w * h;
    }
}
