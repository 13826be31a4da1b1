using System.Buffers.Binary;

namespace AlexNet.Data;

/// <summary>
/// The shard file format (little-endian):
/// <code>
/// header  32 bytes  "ANSHARD1", int32 version, int32 record format, int32 side, 12 bytes zero
/// records           payloads back to back (raw RGB or JPEG), in index order
/// table   16·count  per record: int64 offset, int32 length, int32 label
/// trailer 24 bytes  int64 table offset, int32 count, int32 zero, "ANSHEND1"
/// </code>
/// Written front to back in one pass; read sequentially, or at random through the table.
/// </summary>
public static class ShardLayout
{
    public const int Version = 1;
    public const int HeaderBytes = 32;
    public const int TableEntryBytes = 16;
    public const int TrailerBytes = 24;
    public static ReadOnlySpan<byte> HeaderMagic => "ANSHARD1"u8;
    public static ReadOnlySpan<byte> TrailerMagic => "ANSHEND1"u8;

    public static byte[] Header(RecordFormat format, int side)
    {
        var h = new byte[HeaderBytes];
        HeaderMagic.CopyTo(h);
        BinaryPrimitives.WriteInt32LittleEndian(h.AsSpan(8), Version);
        BinaryPrimitives.WriteInt32LittleEndian(h.AsSpan(12), (int)format);
        BinaryPrimitives.WriteInt32LittleEndian(h.AsSpan(16), side);
        return h;
    }

    public readonly record struct Entry(long Offset, int Length, int Label);
}
