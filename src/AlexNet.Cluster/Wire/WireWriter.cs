using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Akka.Actor;

namespace AlexNet.Cluster.Wire;

/// <summary>
/// Writes the wire format: little-endian fixed-size numbers, length-prefixed strings and arrays,
/// tensors as (types, rank, shape, raw bytes). No type names, no reflection: each message's codec
/// writes its fields in a fixed order.
/// </summary>
public sealed class WireWriter(Stream stream)
{
    private readonly byte[] _scratch = new byte[8];

    public void Byte(byte v) => stream.WriteByte(v);
    public void Bool(bool v) => stream.WriteByte(v ? (byte)1 : (byte)0);

    public void Int(int v)
    {
        BinaryPrimitives.WriteInt32LittleEndian(_scratch, v);
        stream.Write(_scratch, 0, 4);
    }

    public void Long(long v)
    {
        BinaryPrimitives.WriteInt64LittleEndian(_scratch, v);
        stream.Write(_scratch, 0, 8);
    }

    public void Double(double v) => Long(BitConverter.DoubleToInt64Bits(v));

    public void String(string v)
    {
        var bytes = Encoding.UTF8.GetBytes(v);
        Int(bytes.Length);
        stream.Write(bytes);
    }

    public void OptionalString(string? v)
    {
        Bool(v is not null);
        if (v is not null) String(v);
    }

    public void Bytes(byte[] v)
    {
        Int(v.Length);
        if (stream is FramePayload frame && v.Length >= FramePayload.AttachBytes) frame.Attach(v); // sent from where it lies
        else stream.Write(v);
    }

    public void Ints(int[] v) { Int(v.Length); stream.Write(MemoryMarshal.AsBytes(v.AsSpan())); }
    public void Longs(long[] v) { Int(v.Length); stream.Write(MemoryMarshal.AsBytes(v.AsSpan())); }
    public void Floats(float[] v) { Int(v.Length); stream.Write(MemoryMarshal.AsBytes(v.AsSpan())); }
    public void Doubles(double[] v) { Int(v.Length); stream.Write(MemoryMarshal.AsBytes(v.AsSpan())); }

    public void Strings(IReadOnlyList<string> v)
    {
        Int(v.Count);
        foreach (var s in v) String(s);
    }

    public void Tensor(TensorBlob blob)
    {
        blob.Check();
        Byte((byte)blob.Encoded);
        Byte((byte)blob.Logical);
        Longs(blob.Shape);
        Bytes(blob.Data);
    }

    /// <summary>Named tensors in name order (a deterministic encoding).</summary>
    public void Tensors(IReadOnlyDictionary<string, TensorBlob> blobs)
    {
        Int(blobs.Count);
        foreach (var (name, blob) in blobs.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            String(name);
            Tensor(blob);
        }
    }

    /// <summary>An actor reference as its full path (with address), resolved by the receiving system.</summary>
    public void ActorRef(IActorRef actor) => String(Akka.Serialization.Serialization.SerializedActorPath(actor));
}
