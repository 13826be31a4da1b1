using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AlexNet.Data;

/// <summary>
/// Random access to one shard by positional reads (pread), which need no lock and no shared file
/// position, so any number of threads can read one reader at once.
/// </summary>
public sealed class ShardReader : IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly ShardLayout.Entry[] _entries;

    public string Path { get; }
    public RecordFormat Format { get; }
    public int Side { get; }
    public int Count => _entries.Length;

    public ShardReader(string path)
    {
        Path = path;
        try { _handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new DataFormatException($"{path}: shard missing (its split's index.json lists it; run the same 'alexnet prepare' again to rebuild it)");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException($"{path}: cannot read the shard: {e.Message}");
        }
        try
        {
            long length = RandomAccess.GetLength(_handle);
            if (length < ShardLayout.HeaderBytes + ShardLayout.TrailerBytes) throw Bad($"{length} bytes is too short for a shard");
            var header = new byte[ShardLayout.HeaderBytes];
            ReadExactly(header, 0);
            if (!header.AsSpan(0, 8).SequenceEqual(ShardLayout.HeaderMagic)) throw Bad("no ANSHARD1 header");
            int version = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(8));
            if (version != ShardLayout.Version) throw Bad($"version {version}, expected {ShardLayout.Version}");
            Format = (RecordFormat)BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(12));
            Side = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(16));
            if (Format is not (RecordFormat.Raw or RecordFormat.Jpeg) || Side < 1) throw Bad($"format {(int)Format}, side {Side}");

            var trailer = new byte[ShardLayout.TrailerBytes];
            ReadExactly(trailer, length - ShardLayout.TrailerBytes);
            if (!trailer.AsSpan(16, 8).SequenceEqual(ShardLayout.TrailerMagic)) throw Bad("no ANSHEND1 trailer (an incomplete write?)");
            long tableOffset = BinaryPrimitives.ReadInt64LittleEndian(trailer);
            int count = BinaryPrimitives.ReadInt32LittleEndian(trailer.AsSpan(8));
            if (count < 0 || tableOffset < ShardLayout.HeaderBytes || tableOffset + (long)count * ShardLayout.TableEntryBytes + ShardLayout.TrailerBytes != length)
                throw Bad($"table of {count} records at {tableOffset} does not fit a file of {length} bytes");
            var table = new byte[count * ShardLayout.TableEntryBytes];
            ReadExactly(table, tableOffset);
            _entries = new ShardLayout.Entry[count];
            for (int i = 0; i < count; i++)
            {
                var e = table.AsSpan(i * ShardLayout.TableEntryBytes);
                var entry = new ShardLayout.Entry(BinaryPrimitives.ReadInt64LittleEndian(e), BinaryPrimitives.ReadInt32LittleEndian(e[8..]), BinaryPrimitives.ReadInt32LittleEndian(e[12..]));
                if (entry.Offset < ShardLayout.HeaderBytes || entry.Length < 0 || entry.Offset + entry.Length > tableOffset)
                    throw Bad($"record {i} at {entry.Offset}+{entry.Length} lies outside the data");
                if (Format == RecordFormat.Raw && entry.Length != Side * Side * 3) throw Bad($"raw record {i} has {entry.Length} bytes");
                _entries[i] = entry;
            }
        }
        catch
        {
            _handle.Dispose();
            throw;
        }
    }

    private DataFormatException Bad(string what) => new($"{Path}: not a valid shard: {what}");

    private void ReadExactly(Span<byte> buffer, long offset)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int n = RandomAccess.Read(_handle, buffer[done..], offset + done);
            if (n <= 0) throw Bad($"unexpected end of file at {offset + done}");
            done += n;
        }
    }

    public int Label(int record) => _entries[record].Label;

    /// <summary>The stored bytes of one record (raw RGB or JPEG).</summary>
    public byte[] ReadPayload(int record)
    {
        var e = _entries[record];
        var bytes = new byte[e.Length];
        ReadExactly(bytes, e.Offset);
        return bytes;
    }

    /// <summary>Writes record <paramref name="record"/> as interleaved RGB (side·side·3 bytes).</summary>
    public void ReadPixels(int record, Span<byte> rgbHwc)
    {
        var e = _entries[record];
        int bytes = Side * Side * 3;
        if (rgbHwc.Length < bytes) throw new ArgumentException($"buffer of {rgbHwc.Length} bytes, need {bytes}");
        if (Format == RecordFormat.Raw)
        {
            ReadExactly(rgbHwc[..bytes], e.Offset);
            return;
        }
        var encoded = ArrayPool<byte>.Shared.Rent(e.Length);
        try
        {
            ReadExactly(encoded.AsSpan(0, e.Length), e.Offset);
            JpegDecoding.DecodeRecord(encoded.AsSpan(0, e.Length), rgbHwc[..bytes], Side);
        }
        catch (InvalidDataException ex)
        {
            throw Bad($"record {record} is not a readable JPEG ({ex.Message.Trim()})");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(encoded);
        }
    }

    /// <summary>SHA-256 (hex) of a whole file, read sequentially.</summary>
    public static string Sha256(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public void Dispose() => _handle.Dispose();
}
