using System.Buffers.Binary;
using Xunit;

namespace AlexNet.Cli.Tests;

/// <summary>An independent reader of TFRecord framing (TensorBoard event files) that checks every masked CRC32C.</summary>
public static class TfRecords
{
    public static List<byte[]> Read(byte[] file)
    {
        var records = new List<byte[]>();
        int at = 0;
        while (at < file.Length)
        {
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(at));
            Assert.Equal(MaskedCrc(file.AsSpan(at, 8)), BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at + 8)));
            var record = file.AsSpan(at + 12, (int)length).ToArray();
            Assert.Equal(MaskedCrc(record), BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at + 12 + (int)length)));
            records.Add(record);
            at += 16 + (int)length;
        }
        return records;
    }

    /// <summary>Bit-by-bit CRC32C (reflected polynomial 0x82F63B78), masked as TFRecord does.</summary>
    public static uint MaskedCrc(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var b in data)
        {
            crc ^= b;
            for (int i = 0; i < 8; i++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78 : crc >> 1;
        }
        crc = ~crc;
        return ((crc >> 15) | (crc << 17)) + 0xA282EAD8u;
    }
}

public class TfRecordsTests
{
    [Fact]
    public void The_checksum_matches_the_crc32c_check_value_and_the_writers()
    {
        var data = "123456789"u8.ToArray();
        uint crc = 0xE3069283; // the standard CRC-32C check value
        Assert.Equal(((crc >> 15) | (crc << 17)) + 0xA282EAD8u, TfRecords.MaskedCrc(data));
        Assert.Equal(TfRecords.MaskedCrc(data), AlexNet.Cli.Telemetry.TensorBoardEventFile.MaskedCrc(data));
    }
}
