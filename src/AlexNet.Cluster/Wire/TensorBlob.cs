using static TorchSharp.torch;

namespace AlexNet.Cluster.Wire;

/// <summary>
/// A tensor as bytes: what crosses a process boundary in place of a <see cref="Tensor"/>. Holds
/// only managed memory, so it can sit in a mailbox, a serializer or a socket queue for any time
/// without owning native memory. <paramref name="Encoded"/> is the element type of
/// <paramref name="Data"/>; <paramref name="Logical"/> the type the receiver rebuilds (they differ
/// only when float32 travels as float16 or bfloat16).
/// </summary>
public sealed record TensorBlob(ScalarType Encoded, ScalarType Logical, long[] Shape, byte[] Data)
{
    /// <summary>Element types the wire accepts; anything else is refused on both ends.</summary>
    public static int ElementSize(ScalarType type) => type switch
    {
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 => 2,
        ScalarType.Int64 or ScalarType.Float64 => 8,
        ScalarType.Byte => 1,
        _ => throw new NotSupportedException($"tensors of type {type} do not travel on the wire"),
    };

    public long Elements => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>
    /// Copies <paramref name="tensor"/> (any device; left to the caller to dispose) into a blob,
    /// narrowing float32 to <paramref name="precision"/> when asked.
    /// </summary>
    public static TensorBlob From(Tensor tensor, WirePrecision precision = WirePrecision.Full)
    {
        using var scope = NewDisposeScope();
        var logical = tensor.dtype;
        ElementSize(logical);
        var encodedType = logical == ScalarType.Float32 ? precision switch
        {
            WirePrecision.Float16 => ScalarType.Float16,
            WirePrecision.BFloat16 => ScalarType.BFloat16,
            _ => ScalarType.Float32,
        } : logical;
        var cpu = tensor.detach();
        if (encodedType != logical) cpu = cpu.to_type(encodedType);
        cpu = cpu.cpu().contiguous();
        var data = GC.AllocateUninitializedArray<byte>(checked((int)(cpu.numel() * ElementSize(encodedType))));
        cpu.bytes.CopyTo(data);
        return new TensorBlob(encodedType, logical, tensor.shape, data);
    }

    /// <summary>A new CPU tensor of the logical type (the caller owns it).</summary>
    public Tensor ToTensor()
    {
        Check();
        using var scope = NewDisposeScope();
        var t = empty(Shape, Encoded);
        Data.AsSpan().CopyTo(t.bytes);
        if (Encoded != Logical) t = t.to_type(Logical);
        return t.MoveToOuterDisposeScope();
    }

    /// <summary>Throws unless the byte count matches the shape and element type.</summary>
    public TensorBlob Check()
    {
        if (Shape.Any(d => d < 0)) throw new InvalidDataException($"tensor shape [{string.Join(",", Shape)}] has a negative dimension");
        long expected = Elements * ElementSize(Encoded);
        if (expected != Data.LongLength)
            throw new InvalidDataException($"tensor [{string.Join(",", Shape)}] of {Encoded} needs {expected} bytes, the blob has {Data.LongLength}");
        ElementSize(Logical);
        return this;
    }
}
