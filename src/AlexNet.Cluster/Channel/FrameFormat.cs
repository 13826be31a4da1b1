using System.Buffers.Binary;
using System.Text;

namespace AlexNet.Cluster.Channel;

/// <summary>
/// The data channel's bytes on a TCP connection.
/// Hello (client → server, once): "ANDC" magic (u32), version (u8), node address (u16 length +
/// UTF-8), token (u8 length + bytes). The server answers one byte: 1 admitted, 0 refused (and closes).
/// Then frames, each: "ANDF" magic (u32), payload length (i64), payload = target endpoint id
/// (string), message kind (string, a manifest of <see cref="Wire.MessageCodec"/>), message fields.
/// A frame with an empty payload is a heartbeat; after admitting, the server writes only heartbeat bytes
/// (<see cref="Heartbeat"/>), see <see cref="LinkLiveness"/>.
/// </summary>
public static class FrameFormat
{
    public const uint HelloMagic = 0x43444E41; // "ANDC"
    public const uint FrameMagic = 0x46444E41; // "ANDF"
    public const byte Version = 2; // 2: heartbeats
    public const int HeaderBytes = 12;
    public const byte Admitted = 1, Refused = 0, Heartbeat = 0x48;
    private const int MaxNodeName = 1024, MaxToken = 64;

    public static byte[] Hello(string node, byte[] token)
    {
        var name = Encoding.UTF8.GetBytes(node);
        if (name.Length > MaxNodeName || token.Length > MaxToken) throw new ArgumentException("node name or token too long");
        var hello = new byte[4 + 1 + 2 + name.Length + 1 + token.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(hello, HelloMagic);
        hello[4] = Version;
        BinaryPrimitives.WriteUInt16LittleEndian(hello.AsSpan(5), (ushort)name.Length);
        name.CopyTo(hello, 7);
        hello[7 + name.Length] = (byte)token.Length;
        token.CopyTo(hello, 8 + name.Length);
        return hello;
    }

    /// <summary>Reads a hello; throws <see cref="InvalidDataException"/> for anything that is not one.</summary>
    public static (string Node, byte[] Token) ReadHello(Stream s)
    {
        Span<byte> head = stackalloc byte[7];
        s.ReadExactly(head);
        if (BinaryPrimitives.ReadUInt32LittleEndian(head) != HelloMagic) throw new InvalidDataException("not a data-channel hello");
        if (head[4] != Version) throw new InvalidDataException($"data-channel version {head[4]}, this node speaks {Version}");
        int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(head[5..]);
        if (nameLength > MaxNodeName) throw new InvalidDataException("node name too long");
        var name = new byte[nameLength];
        s.ReadExactly(name);
        int tokenLength = s.ReadByte();
        if (tokenLength is < 0 or > MaxToken) throw new InvalidDataException("bad token length");
        var token = new byte[tokenLength];
        s.ReadExactly(token);
        return (Encoding.UTF8.GetString(name), token);
    }

    public static void WriteHeader(Span<byte> header, long payloadLength)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(header, FrameMagic);
        BinaryPrimitives.WriteInt64LittleEndian(header[4..], payloadLength);
    }

    /// <summary>Payload length of the frame whose header this is; throws for a bad magic or a length over <paramref name="maxFrame"/>.</summary>
    public static long ReadHeader(ReadOnlySpan<byte> header, long maxFrame)
    {
        if (BinaryPrimitives.ReadUInt32LittleEndian(header) != FrameMagic) throw new InvalidDataException("not a data-channel frame");
        long length = BinaryPrimitives.ReadInt64LittleEndian(header[4..]);
        if (length < 0 || length > maxFrame) throw new InvalidDataException($"a frame of {length} bytes (the limit is {maxFrame})");
        return length;
    }
}
