using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AlexNet.Data;

/// <summary>
/// The paper's down-sampling in one step: scale interleaved RGB so its shorter side is
/// <c>size</c>, and keep the centred size×size square. Separable triangle filter (antialiased when
/// shrinking), fixed point, vertical pass first (it reduces the rows), and only the square's rows
/// and columns are computed. Written for speed: ImageSharp's general resize converts every pixel
/// to four floats and costs as much as decoding the JPEG.
/// </summary>
public static class CentreSquareResampler
{
    [ThreadStatic] private static byte[]? _rows;

    /// <summary>The side lengths the image is scaled to before the centre crop.</summary>
    public static (int Width, int Height) ScaledSize(int width, int height, int size)
    {
        double scale = (double)size / Math.Min(width, height);
        return (Math.Max(size, (int)Math.Round(width * scale)), Math.Max(size, (int)Math.Round(height * scale)));
    }

    public static void Resample(ReadOnlySpan<byte> rgb, int width, int height, int size, Span<byte> square)
    {
        if (width < 1 || height < 1 || size < 1) throw new ArgumentOutOfRangeException(nameof(size));
        if (rgb.Length < width * height * 3) throw new ArgumentException("source shorter than width·height·3");
        if (square.Length < size * size * 3) throw new ArgumentException("destination shorter than size·size·3");
        var (scaledW, scaledH) = ScaledSize(width, height, size);
        var cols = new ResampleAxis(width, scaledW, (scaledW - size) / 2, size);
        var rows = new ResampleAxis(height, scaledH, (scaledH - size) / 2, size);
        int rowBytes = width * 3;
        // One spare byte per row: the horizontal pass reads four bytes for a three-byte pixel.
        int needed = size * (rowBytes + 1);
        var temp = _rows is { } t && t.Length >= needed ? t : (_rows = new byte[needed]);
        for (int y = 0; y < size; y++)
            Vertical(rgb, rowBytes, rows, y, temp.AsSpan(y * (rowBytes + 1), rowBytes));
        for (int y = 0; y < size; y++)
            Horizontal(temp.AsSpan(y * (rowBytes + 1), rowBytes + 1), cols, square.Slice(y * size * 3, size * 3));
    }

    private static void Vertical(ReadOnlySpan<byte> rgb, int rowBytes, ResampleAxis rows, int y, Span<byte> dst)
    {
        int first = rows.Start[y], n = rows.Count[y];
        var weights = rows.Weights.AsSpan(y * rows.Stride, n);
        int x = 0;
        if (Avx2.IsSupported)
        {
            x = VerticalAvx2(rgb, rowBytes, first, n, weights, dst);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var round = Vector256.Create(ResampleAxis.One / 2);
            for (; x + 16 <= rowBytes; x += 16)
            {
                Vector256<int> lo = round, hi = round;
                for (int k = 0; k < n; k++)
                {
                    var bytes = Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(rgb), (nuint)((first + k) * rowBytes + x));
                    var wide = Vector256.WidenLower(bytes.ToVector256Unsafe()).AsInt16();
                    var w = Vector256.Create(weights[k]);
                    lo += Vector256.WidenLower(wide) * w;
                    hi += Vector256.WidenUpper(wide) * w;
                }
                var packed = Vector256.Narrow(Vector256.ShiftRightArithmetic(lo, ResampleAxis.Shift), Vector256.ShiftRightArithmetic(hi, ResampleAxis.Shift));
                // Weights are non-negative and sum to one, so results already lie in 0..255.
                Vector128.StoreUnsafe(Vector256.Narrow(packed.AsUInt16(), packed.AsUInt16()).GetLower(), ref MemoryMarshal.GetReference(dst), (nuint)x);
            }
        }
        for (; x < rowBytes; x++)
        {
            int acc = ResampleAxis.One / 2;
            for (int k = 0; k < n; k++) acc += rgb[(first + k) * rowBytes + x] * weights[k];
            dst[x] = (byte)(acc >> ResampleAxis.Shift);
        }
    }

    /// <summary>
    /// Two input rows per multiply: bytes of rows a and b interleaved as 16-bit pairs, times the
    /// weight pair (w_a, w_b), summed pairwise by one pmaddwd. Returns how far it got.
    /// </summary>
    private static int VerticalAvx2(ReadOnlySpan<byte> rgb, int rowBytes, int first, int n, ReadOnlySpan<int> weights, Span<byte> dst)
    {
        ref byte src = ref MemoryMarshal.GetReference(rgb);
        var round = Vector256.Create(ResampleAxis.One / 2);
        int x = 0;
        for (; x + 16 <= rowBytes; x += 16)
        {
            Vector256<int> lo = round, hi = round;
            for (int k = 0; k < n; k += 2)
            {
                int b = k + 1 < n ? k + 1 : k;
                int wb = k + 1 < n ? weights[k + 1] : 0;
                var rowA = Vector128.LoadUnsafe(ref src, (nuint)((first + k) * rowBytes + x));
                var rowB = Vector128.LoadUnsafe(ref src, (nuint)((first + b) * rowBytes + x));
                var pair = Vector256.Create((weights[k] & 0xFFFF) | (wb << 16)).AsInt16();
                lo += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Sse2.UnpackLow(rowA, rowB)), pair);
                hi += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Sse2.UnpackHigh(rowA, rowB)), pair);
            }
            var packed = Vector256.Narrow(Vector256.ShiftRightArithmetic(lo, ResampleAxis.Shift), Vector256.ShiftRightArithmetic(hi, ResampleAxis.Shift));
            Vector128.StoreUnsafe(Vector256.Narrow(packed.AsUInt16(), packed.AsUInt16()).GetLower(), ref MemoryMarshal.GetReference(dst), (nuint)x);
        }
        return x;
    }

    private static void Horizontal(Span<byte> row, ResampleAxis cols, Span<byte> dst)
    {
        int size = cols.Start.Length;
        if (Sse41.IsSupported)
        {
            var round = Vector128.Create(ResampleAxis.One / 2);
            ref byte src = ref MemoryMarshal.GetReference(row);
            ref byte to = ref MemoryMarshal.GetReference(dst);
            ref int weights = ref MemoryMarshal.GetArrayDataReference(cols.Weights);
            for (int o = 0; o < size; o++)
            {
                int first = cols.Start[o], n = cols.Count[o], at = o * cols.Stride;
                var acc = round;
                for (int k = 0; k < n; k++)
                {
                    // Four bytes R,G,B,next-R widened to four ints; the fourth lane is ignored.
                    uint four = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref src, (first + k) * 3));
                    var px = Sse41.ConvertToVector128Int32(Vector128.CreateScalarUnsafe(four).AsByte());
                    acc += px * Vector128.Create(Unsafe.Add(ref weights, at + k));
                }
                var shifted = Vector128.ShiftRightArithmetic(acc, ResampleAxis.Shift);
                var bytes = Sse2.PackUnsignedSaturate(Sse2.PackSignedSaturate(shifted, shifted), default).AsUInt32().ToScalar();
                if (o + 1 < size) Unsafe.WriteUnaligned(ref Unsafe.Add(ref to, o * 3), bytes); // the next pixel overwrites byte 4
                else
                {
                    dst[o * 3] = (byte)bytes;
                    dst[o * 3 + 1] = (byte)(bytes >> 8);
                    dst[o * 3 + 2] = (byte)(bytes >> 16);
                }
            }
            return;
        }
        for (int o = 0; o < size; o++)
        {
            int first = cols.Start[o], n = cols.Count[o], at = o * cols.Stride;
            int r = ResampleAxis.One / 2, g = r, b = r;
            for (int k = 0; k < n; k++)
            {
                int p = (first + k) * 3, w = cols.Weights[at + k];
                r += row[p] * w; g += row[p + 1] * w; b += row[p + 2] * w;
            }
            dst[o * 3] = (byte)(r >> ResampleAxis.Shift);
            dst[o * 3 + 1] = (byte)(g >> ResampleAxis.Shift);
            dst[o * 3 + 2] = (byte)(b >> ResampleAxis.Shift);
        }
    }
}
