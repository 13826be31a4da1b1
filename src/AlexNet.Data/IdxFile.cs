using System.Buffers.Binary;
using System.IO.Compression;

namespace AlexNet.Data;

/// <summary>An IDX array of unsigned bytes: its dimensions and the first items' data.</summary>
/// <param name="Dimensions">As the header declares them (item count first).</param>
/// <param name="Items">How many items <see cref="Data"/> holds (all, or the requested limit).</param>
public sealed record IdxArray(string Path, int[] Dimensions, int Items, byte[] Data)
{
    public int ItemBytes => Dimensions.Skip(1).Aggregate(1, (a, b) => a * b);
}

/// <summary>
/// Reads the IDX format of MNIST and Fashion-MNIST (gzipped or not): magic 00 00 08 RANK, RANK
/// big-endian int32 dimensions, then the bytes. Every deviation is a <see cref="DataFormatException"/>
/// naming the file and what was expected.
/// </summary>
public static class IdxFile
{
    private const byte UnsignedByte = 0x08;

    public static IdxArray Read(string path, int expectedRank, int? limit = null)
    {
        if (!File.Exists(path)) throw new DataFormatException($"{path}: not found");
        try
        {
            using var file = File.OpenRead(path);
            Span<byte> signature = stackalloc byte[2];
            int got = file.ReadAtLeast(signature, 2, throwOnEndOfStream: false);
            file.Position = 0;
            using Stream stream = got == 2 && signature[0] == 0x1F && signature[1] == 0x8B ? new GZipStream(file, CompressionMode.Decompress) : file;
            return ReadStream(path, stream, expectedRank, limit);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException($"{path}: damaged gzip data ({e.Message})");
        }
    }

    private static IdxArray ReadStream(string path, Stream stream, int expectedRank, int? limit)
    {
        var magic = new byte[4];
        if (stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false) < 4) throw new DataFormatException($"{path}: truncated: no 4-byte IDX magic number");
        if (magic[0] != 0 || magic[1] != 0 || magic[2] != UnsignedByte || magic[3] != expectedRank)
            throw new DataFormatException($"{path}: bad magic number {Convert.ToHexString(magic)}, expected 000008{expectedRank:X2} (IDX, unsigned bytes, {expectedRank} dimension{(expectedRank > 1 ? "s" : "")})");
        var header = new byte[4 * expectedRank];
        if (stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length) throw new DataFormatException($"{path}: truncated: header declares {expectedRank} dimensions but ends before them");
        var dims = new int[expectedRank];
        for (int i = 0; i < expectedRank; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4 * i));
            if (dims[i] < (i == 0 ? 0 : 1)) throw new DataFormatException($"{path}: dimension {i} is {dims[i]}, expected a positive size");
        }
        long itemBytes = dims.Skip(1).Aggregate(1L, (a, b) => a * b);
        int items = limit is int l ? Math.Min(l, dims[0]) : dims[0];
        long bytes = items * itemBytes;
        if (bytes > int.MaxValue) throw new DataFormatException($"{path}: {bytes} bytes of data is more than this reader takes");
        var data = new byte[bytes];
        int read = stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
        if (read < data.Length)
            throw new DataFormatException($"{path}: truncated: header declares {dims[0]} items of {itemBytes} bytes, the data ends after {read / itemBytes} of them");
        if (items == dims[0] && stream.ReadByte() >= 0)
            throw new DataFormatException($"{path}: dimension mismatch: more data than the header's {string.Join("×", dims)} bytes");
        return new IdxArray(path, dims, items, data);
    }
}
