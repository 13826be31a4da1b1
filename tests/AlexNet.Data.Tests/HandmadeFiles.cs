using System.Buffers.Binary;
using System.Text;

namespace AlexNet.Data.Tests;

/// <summary>
/// Files ImageSharp 2.1 cannot write, built byte by byte: a CMYK JPEG (its encoder silently writes
/// YCbCr when asked for CMYK) and a PNG whose header declares an enormous image.
/// </summary>
public static class HandmadeFiles
{
    /// <summary>
    /// An 8×8 baseline JPEG with four components (Adobe APP14, transform 0: CMYK), every sample of
    /// component i equal to <paramref name="cmyk"/>[i]. One DC-only block per component.
    /// </summary>
    public static byte[] CmykJpeg(byte[] cmyk)
    {
        var f = new List<byte> { 0xFF, 0xD8 };
        Segment(f, 0xEE, [.. "Adobe"u8, 0x00, 0x64, 0, 0, 0, 0, 0]);
        Segment(f, 0xDB, [0x00, .. Enumerable.Repeat((byte)1, 64)]);
        Segment(f, 0xC0, [8, 0, 8, 0, 8, 4, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0, 4, 0x11, 0]);
        // The standard luminance DC table (categories 0..11) and an AC table holding only end-of-block.
        Segment(f, 0xC4, [0x00, 0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
        Segment(f, 0xC4, [0x10, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00]);
        Segment(f, 0xDA, [4, 1, 0x00, 2, 0x00, 3, 0x00, 4, 0x00, 0, 63, 0]);
        var bits = new BitWriter(f);
        foreach (var sample in cmyk)
        {
            int dc = (sample - 128) * 8; // a flat 8×8 block: sample = DC/8 + 128
            int category = dc == 0 ? 0 : 32 - int.LeadingZeroCount(Math.Abs(dc));
            var (code, length) = DcCode(category);
            bits.Write(code, length);
            if (category > 0) bits.Write(dc > 0 ? dc : dc + (1 << category) - 1, category);
            bits.Write(0, 1); // end of block
        }
        bits.Flush();
        f.AddRange(new byte[] { 0xFF, 0xD9 });
        return f.ToArray();
    }

    private static (int Code, int Length) DcCode(int category) => category switch
    {
        0 => (0b00, 2),
        <= 5 => (category + 1, 3), // 010, 011, 100, 101, 110
        _ => ((1 << (category - 2)) - 2, category - 2), // 1110, 11110, ... 111111110
    };

    private static void Segment(List<byte> f, byte marker, byte[] body)
    {
        f.Add(0xFF); f.Add(marker);
        f.Add((byte)((body.Length + 2) >> 8)); f.Add((byte)(body.Length + 2));
        f.AddRange(body);
    }

    private sealed class BitWriter(List<byte> output)
    {
        private int _byte, _count;

        public void Write(int value, int length)
        {
            for (int i = length - 1; i >= 0; i--)
            {
                _byte = (_byte << 1) | ((value >> i) & 1);
                if (++_count == 8) Emit();
            }
        }

        public void Flush()
        {
            while (_count != 0) { _byte = (_byte << 1) | 1; if (++_count == 8) Emit(); }
        }

        private void Emit()
        {
            output.Add((byte)_byte);
            if (_byte == 0xFF) output.Add(0x00); // byte stuffing
            _byte = 0; _count = 0;
        }
    }

    /// <summary>A valid PNG header (correct CRCs) declaring width × height RGB pixels, with no pixel data behind it.</summary>
    public static byte[] PngHeaderOnly(int width, int height)
    {
        var f = new List<byte> { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A };
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; ihdr[9] = 2; // 8-bit RGB
        Chunk(f, "IHDR", ihdr);
        Chunk(f, "IEND", []);
        return f.ToArray();
    }

    private static void Chunk(List<byte> f, string type, byte[] data)
    {
        var be = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(be, data.Length);
        f.AddRange(be);
        var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        f.AddRange(typed);
        BinaryPrimitives.WriteUInt32BigEndian(be, Crc32(typed));
        f.AddRange(be);
    }

    private static uint Crc32(byte[] data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }
        return ~crc;
    }
}
