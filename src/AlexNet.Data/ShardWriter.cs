using System.Buffers.Binary;
using System.Security.Cryptography;

namespace AlexNet.Data;

/// <summary>
/// Writes one shard front to back into "NAME.partial", hashing as it goes, and renames it to its
/// final name only once it is complete and flushed to disk: a shard file under its final name is
/// always whole.
/// </summary>
public sealed class ShardWriter : IDisposable
{
    private readonly string _path;
    private readonly string _partial;
    private readonly FileStream _stream;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly List<ShardLayout.Entry> _entries = new();
    private long _position;
    private bool _finished;

    public RecordFormat Format { get; }
    public int Side { get; }
    public int Count => _entries.Count;

    public ShardWriter(string path, RecordFormat format, int side)
    {
        _path = path;
        _partial = path + ".partial";
        Format = format;
        Side = side;
        _stream = new FileStream(_partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        Write(ShardLayout.Header(format, side));
    }

    private void Write(ReadOnlySpan<byte> bytes)
    {
        _stream.Write(bytes);
        _hash.AppendData(bytes);
        _position += bytes.Length;
    }

    /// <summary>Appends one record: raw RGB bytes or an encoded JPEG, as the shard's format says.</summary>
    public void Add(ReadOnlySpan<byte> payload, int label)
    {
        if (_finished) throw new InvalidOperationException("shard already finished");
        if (Format == RecordFormat.Raw && payload.Length != Side * Side * 3)
            throw new ArgumentException($"raw record of {payload.Length} bytes, expected {Side * Side * 3}");
        _entries.Add(new ShardLayout.Entry(_position, payload.Length, label));
        Write(payload);
    }

    /// <summary>Writes the table and trailer, flushes to disk, renames into place; returns size and SHA-256 (hex).</summary>
    public (long Bytes, string Sha256) Finish()
    {
        if (_finished) throw new InvalidOperationException("shard already finished");
        long tableOffset = _position;
        var entry = new byte[ShardLayout.TableEntryBytes];
        foreach (var e in _entries)
        {
            BinaryPrimitives.WriteInt64LittleEndian(entry, e.Offset);
            BinaryPrimitives.WriteInt32LittleEndian(entry.AsSpan(8), e.Length);
            BinaryPrimitives.WriteInt32LittleEndian(entry.AsSpan(12), e.Label);
            Write(entry);
        }
        var trailer = new byte[ShardLayout.TrailerBytes];
        BinaryPrimitives.WriteInt64LittleEndian(trailer, tableOffset);
        BinaryPrimitives.WriteInt32LittleEndian(trailer.AsSpan(8), _entries.Count);
        ShardLayout.TrailerMagic.CopyTo(trailer.AsSpan(16));
        Write(trailer);
        _stream.Flush(flushToDisk: true);
        _stream.Dispose();
        File.Move(_partial, _path, overwrite: true);
        _finished = true;
        return (_position, Convert.ToHexStringLower(_hash.GetHashAndReset()));
    }

    public void Dispose()
    {
        _hash.Dispose();
        if (_finished) return;
        _stream.Dispose();
        File.Delete(_partial);
    }
}
