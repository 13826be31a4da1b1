using System.Buffers.Binary;
using System.Numerics;
using Google.Protobuf;
using Tensorboard;

namespace AlexNet.Cli.Telemetry;

/// <summary>
/// A TensorBoard event file (events.out.tfevents.*): TFRecord framing (length, masked CRC32C of
/// the length, the record, its masked CRC32C) around Event protocol buffers, encoded with the
/// Event/Summary classes TorchSharp ships. TorchSharp 0.107's own SummaryWriter writes the same
/// format, but its images go through SkiaSharp, whose Linux native library is not in the package,
/// and it records wall time in whole seconds; so the framing is done here. Every record is flushed,
/// so a crashed run keeps everything written before the crash.
/// </summary>
public sealed class TensorBoardEventFile : IDisposable
{
    private readonly FileStream _file;
    public string Path { get; }

    public TensorBoardEventFile(string folder)
    {
        Directory.CreateDirectory(folder);
        Path = System.IO.Path.Combine(folder, $"events.out.tfevents.{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}.{Environment.MachineName}.{Environment.ProcessId}.alexnet");
        _file = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
        Write(new Event { WallTime = Now(), FileVersion = "brain.Event:2" });
    }

    public void Scalar(string tag, double value, long step) =>
        Write(new Event { WallTime = Now(), Step = step, Summary = new Summary { Value = { new Summary.Types.Value { Tag = tag, SimpleValue = (float)value } } } });

    /// <summary>
    /// A session (re)starts at <paramref name="step"/>: TensorBoard then discards what earlier event
    /// files recorded for later steps (a run resumed from a checkpoint trains them again).
    /// </summary>
    public void SessionStart(long step) =>
        Write(new Event { WallTime = Now(), Step = step, SessionLog = new SessionLog { Status = SessionLog.Types.SessionStatus.Start } });

    /// <summary>A PNG-encoded picture (TensorBoard's IMAGES tab).</summary>
    public void Image(string tag, byte[] png, int width, int height, long step) =>
        Write(new Event
        {
            WallTime = Now(), Step = step,
            Summary = new Summary
            {
                Value =
                {
                    new Summary.Types.Value
                    {
                        Tag = tag,
                        Image = new Summary.Types.Image { Width = width, Height = height, Colorspace = 3, EncodedImageString = ByteString.CopyFrom(png) },
                    },
                },
            },
        });

    private void Write(Event e)
    {
        var record = e.ToByteArray();
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)record.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], MaskedCrc(header[..8]));
        Span<byte> footer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(footer, MaskedCrc(record));
        _file.Write(header);
        _file.Write(record);
        _file.Write(footer);
        _file.Flush();
    }

    /// <summary>TFRecord's checksum: CRC32C (Castagnoli), rotated right by 15 bits plus a constant.</summary>
    public static uint MaskedCrc(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var b in data) crc = BitOperations.Crc32C(crc, b);
        crc = ~crc;
        return ((crc >> 15) | (crc << 17)) + 0xA282EAD8u;
    }

    private static double Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    public void Dispose() => _file.Dispose();
}
