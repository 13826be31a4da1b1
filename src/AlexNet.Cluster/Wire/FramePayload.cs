namespace AlexNet.Cluster.Wire;

/// <summary>
/// One data-channel frame as <see cref="WireWriter"/> builds it, without copying its large arrays:
/// small fields go into one growing buffer (which begins with room for the frame header), while a
/// byte array of <see cref="AttachBytes"/> or more (a batch's pixels, a tensor's data) is kept by
/// reference and written to the socket from where it lies. That saves a memory copy of every
/// tensor and batch sent: 19 MB for a paper batch. The attached arrays must not change until the
/// frame is written, which holds because every message is immutable once sent. Reused frame after
/// frame by one writer; not thread-safe.
/// </summary>
public sealed class FramePayload : Stream
{
    /// <summary>Arrays from this size on are attached rather than copied (below it a copy is cheaper than a separate socket write).</summary>
    public const int AttachBytes = 64 * 1024;

    private readonly MemoryStream _small = new();
    private readonly List<Part> _parts = new();
    private readonly int _headerBytes;
    private long _smallPartStart, _attached;

    /// <summary>A run of the small-field buffer, or an attached array.</summary>
    private readonly record struct Part(long Start, long End, byte[]? Array);

    public FramePayload(int headerBytes)
    {
        _headerBytes = headerBytes;
        Clear();
    }

    /// <summary>Bytes after the header: what the header's length field announces.</summary>
    public long PayloadLength => _small.Length - _headerBytes + _attached;

    /// <summary>The header's bytes, to fill in once the payload is complete.</summary>
    public Span<byte> Header => _small.GetBuffer().AsSpan(0, _headerBytes);

    /// <summary>Keeps <paramref name="array"/> by reference as the frame's next bytes.</summary>
    public void Attach(byte[] array)
    {
        ClosePart();
        _parts.Add(new Part(0, array.Length, array));
        _attached += array.Length;
    }

    /// <summary>Writes the header and payload to <paramref name="output"/> in order.</summary>
    public async ValueTask WriteToAsync(Stream output, CancellationToken cancel)
    {
        ClosePart();
        var small = _small.GetBuffer();
        foreach (var part in _parts)
            await output.WriteAsync(part.Array is { } array ? array : small.AsMemory((int)part.Start, (int)(part.End - part.Start)), cancel);
    }

    /// <summary>Forgets the last frame (its attached arrays too), keeping the small buffer unless it grew past 64 MB.</summary>
    public void Clear()
    {
        _parts.Clear();
        _small.SetLength(0);
        if (_small.Capacity > 64 << 20) _small.Capacity = 0;
        _small.SetLength(_headerBytes);
        _small.Position = _headerBytes;
        _smallPartStart = 0;
        _attached = 0;
    }

    private void ClosePart()
    {
        if (_small.Length > _smallPartStart) _parts.Add(new Part(_smallPartStart, _small.Length, null));
        _smallPartStart = _small.Length;
    }

    public override void Write(byte[] buffer, int offset, int count) => _small.Write(buffer, offset, count);
    public override void Write(ReadOnlySpan<byte> buffer) => _small.Write(buffer);
    public override void WriteByte(byte value) => _small.WriteByte(value);

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _small.Length + _attached;
    public override long Position { get => Length; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
