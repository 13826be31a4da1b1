using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Akka.Actor;
using static TorchSharp.torch;

namespace AlexNet.Cluster.Wire;

/// <summary>
/// Reads what <see cref="WireWriter"/> wrote, from a stream of known length: every length read is
/// checked against the bytes left, so a corrupt or hostile payload fails with
/// <see cref="InvalidDataException"/> before anything large is allocated. With
/// <paramref name="pixelBuffers"/>, batch pixels are read into buffers from that pool, which the
/// batch's consumer hands back (the coordinator, once the step's input is made from them).
/// </summary>
public sealed class WireReader(Stream stream, long length, ExtendedActorSystem? system = null, AlexNet.Data.PixelBufferPool? pixelBuffers = null)
{
    private readonly byte[] _scratch = new byte[8];
    private long _left = length;

    public long Left => _left;

    private void Take(Span<byte> into)
    {
        if (into.Length > _left) throw new InvalidDataException($"the message ends early ({_left} bytes left, {into.Length} needed)");
        stream.ReadExactly(into);
        _left -= into.Length;
    }

    private int Count(int elementSize)
    {
        int n = Int();
        if (n < 0 || (long)n * elementSize > _left) throw new InvalidDataException($"a length of {n} does not fit in the {_left} bytes left");
        return n;
    }

    public byte Byte() { Take(_scratch.AsSpan(0, 1)); return _scratch[0]; }

    public bool Bool() => Byte() switch
    {
        0 => false, 1 => true, var b => throw new InvalidDataException($"{b} is not a boolean"),
    };

    public int Int() { Take(_scratch.AsSpan(0, 4)); return BinaryPrimitives.ReadInt32LittleEndian(_scratch); }
    public long Long() { Take(_scratch.AsSpan(0, 8)); return BinaryPrimitives.ReadInt64LittleEndian(_scratch); }
    public double Double() => BitConverter.Int64BitsToDouble(Long());

    public string String()
    {
        var bytes = new byte[Count(1)];
        Take(bytes);
        return Encoding.UTF8.GetString(bytes);
    }

    public string? OptionalString() => Bool() ? String() : null;

    public byte[] Bytes()
    {
        var bytes = GC.AllocateUninitializedArray<byte>(Count(1));
        Take(bytes);
        return bytes;
    }

    /// <summary>A batch's pixels: <see cref="Bytes"/>, in a buffer from the reader's pool when it has one.</summary>
    public byte[] PixelBytes()
    {
        if (pixelBuffers is null) return Bytes();
        var bytes = pixelBuffers.Rent(Count(1));
        try { Take(bytes); }
        catch { pixelBuffers.Return(bytes); throw; }
        return bytes;
    }

    public int[] Ints() { var v = new int[Count(4)]; Take(MemoryMarshal.AsBytes(v.AsSpan())); return v; }
    public long[] Longs() { var v = new long[Count(8)]; Take(MemoryMarshal.AsBytes(v.AsSpan())); return v; }
    public float[] Floats() { var v = new float[Count(4)]; Take(MemoryMarshal.AsBytes(v.AsSpan())); return v; }
    public double[] Doubles() { var v = new double[Count(8)]; Take(MemoryMarshal.AsBytes(v.AsSpan())); return v; }

    public string[] Strings()
    {
        var v = new string[Count(4)];
        for (int i = 0; i < v.Length; i++) v[i] = String();
        return v;
    }

    public T Enum<T>(int value) where T : struct, Enum =>
        System.Enum.IsDefined(typeof(T), value) ? (T)(object)value : throw new InvalidDataException($"{value} is not a {typeof(T).Name}");

    public TensorBlob Tensor()
    {
        var encoded = (ScalarType)Byte();
        var logical = (ScalarType)Byte();
        foreach (var t in new[] { encoded, logical })
            if (!System.Enum.IsDefined(t)) throw new InvalidDataException($"unknown tensor type {(int)t}");
        try { TensorBlob.ElementSize(encoded); TensorBlob.ElementSize(logical); }
        catch (NotSupportedException e) { throw new InvalidDataException(e.Message); }
        var shape = Longs();
        if (shape.Length > 8) throw new InvalidDataException($"a tensor of rank {shape.Length} (at most 8)");
        return new TensorBlob(encoded, logical, shape, Bytes()).Check();
    }

    public Dictionary<string, TensorBlob> Tensors()
    {
        int n = Count(1);
        var result = new Dictionary<string, TensorBlob>(n);
        for (int i = 0; i < n; i++)
        {
            var name = String();
            if (!result.TryAdd(name, Tensor())) throw new InvalidDataException($"tensor '{name}' appears twice");
        }
        return result;
    }

    public IActorRef ActorRef()
    {
        var path = String();
        if (system is null) throw new InvalidOperationException("actor references need an actor system to be resolved");
        return system.Provider.ResolveActorRef(path);
    }

    /// <summary>Throws unless the whole payload was consumed (trailing bytes mean a mismatched codec).</summary>
    public void End()
    {
        if (_left != 0) throw new InvalidDataException($"{_left} bytes left over after the message");
    }
}
