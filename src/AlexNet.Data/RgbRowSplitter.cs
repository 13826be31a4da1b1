using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AlexNet.Data;

/// <summary>
/// Splits a row of interleaved RGB pixels into three channel rows, in order or mirrored: the inner
/// loop of every crop. With SSSE3, sixteen pixels (48 bytes) take nine byte shuffles; the mirrored
/// order is just another set of shuffle masks, so flipping costs nothing.
/// </summary>
public static class RgbRowSplitter
{
    // Masks[mirrored][channel * 3 + part]: picks channel bytes of 16 pixels out of the part-th 16 bytes.
    private static readonly Vector128<byte>[][] Masks = { BuildMasks(false), BuildMasks(true) };

    private static Vector128<byte>[] BuildMasks(bool mirrored)
    {
        var masks = new Vector128<byte>[9];
        Span<byte> m = stackalloc byte[16];
        for (int channel = 0; channel < 3; channel++)
        for (int part = 0; part < 3; part++)
        {
            for (int j = 0; j < 16; j++)
            {
                int pixel = mirrored ? 15 - j : j;
                int at = pixel * 3 + channel - 16 * part;
                m[j] = at is >= 0 and < 16 ? (byte)at : (byte)0x80; // high bit: shuffle writes zero
            }
            masks[channel * 3 + part] = Vector128.Create((ReadOnlySpan<byte>)m);
        }
        return masks;
    }

    /// <summary>
    /// Writes pixels [0, count) of <paramref name="rgb"/> into r, g, b, or pixel count−1−x at x when
    /// mirrored.
    /// </summary>
    public static void Split(ReadOnlySpan<byte> rgb, int count, bool mirrored, Span<byte> r, Span<byte> g, Span<byte> b)
    {
        if (rgb.Length < count * 3 || r.Length < count || g.Length < count || b.Length < count)
            throw new ArgumentException("row spans shorter than the pixel count");
        int x = 0;
        if (Ssse3.IsSupported)
        {
            var masks = Masks[mirrored ? 1 : 0];
            ref byte src = ref MemoryMarshal.GetReference(rgb);
            for (; x + 16 <= count; x += 16)
            {
                int pixel = mirrored ? count - 16 - x : x;
                var a0 = Vector128.LoadUnsafe(ref src, (nuint)(pixel * 3));
                var a1 = Vector128.LoadUnsafe(ref src, (nuint)(pixel * 3 + 16));
                var a2 = Vector128.LoadUnsafe(ref src, (nuint)(pixel * 3 + 32));
                Store(a0, a1, a2, masks, 0, r, x);
                Store(a0, a1, a2, masks, 1, g, x);
                Store(a0, a1, a2, masks, 2, b, x);
            }
        }
        for (; x < count; x++)
        {
            int p = (mirrored ? count - 1 - x : x) * 3;
            r[x] = rgb[p];
            g[x] = rgb[p + 1];
            b[x] = rgb[p + 2];
        }
    }

    private static void Store(Vector128<byte> a0, Vector128<byte> a1, Vector128<byte> a2, Vector128<byte>[] masks, int channel, Span<byte> dst, int x)
    {
        var v = Ssse3.Shuffle(a0, masks[channel * 3]) | Ssse3.Shuffle(a1, masks[channel * 3 + 1]) | Ssse3.Shuffle(a2, masks[channel * 3 + 2]);
        v.StoreUnsafe(ref MemoryMarshal.GetReference(dst), (nuint)x);
    }
}
