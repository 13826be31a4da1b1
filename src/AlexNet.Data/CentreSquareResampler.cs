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
        if (Vector256.IsHardwareAccelerated)
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

    private static void Horizontal(Span<byte> row, ResampleAxis cols, Span<byte> dst)
    {
        int size = cols.Start.Length;
        if (Sse41.IsSupported)
        {
            var round = Vector128.Create(ResampleAxis.One / 2);
            ref byte src = ref MemoryMarshal.GetReference(row);
            for (int o = 0; o < size; o++)
            {
                int first = cols.Start[o], n = cols.Count[o], at = o * cols.Stride;
                var acc = round;
                for (int k = 0; k < n; k++)
                {
                    uint four = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref src, (first + k) * 3));
                    var px = Sse41.ConvertToVector128Int32(Vector128.CreateScalarUnsafe(four).AsByte());
                    acc += px * Vector128.Create(cols.Weights[at + k]);
                }
                var v = Vector128.ShiftRightArithmetic(acc, ResampleAxis.Shift);
                dst[o * 3] = (byte)v.GetElement(0);
                dst[o * 3 + 1] = (byte)v.GetElement(1);
                dst[o * 3 + 2] = (byte)v.GetElement(2);
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
