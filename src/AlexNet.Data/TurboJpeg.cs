using System.Runtime.InteropServices;

namespace AlexNet.Data;

/// <summary>
/// JPEG decoding through libjpeg-turbo's TurboJPEG API (<c>libturbojpeg.so.0</c>, Debian's
/// <c>libturbojpeg0</c>), when the machine has it: its SIMD decoder turns a 256×256 record into RGB
/// several times faster than ImageSharp's managed one (docs/performance.md, "Data feed"), and decoding
/// is what a loader core spends its time on with JPEG shards. One decompressor per thread (loader
/// actors each have their own); they live as long as their thread.
/// </summary>
public static partial class TurboJpeg
{
    private const string Library = "libturbojpeg.so.0";
    private const int PixelFormatRgb = 0; // TJPF_RGB

    private static readonly Lazy<bool> Loaded = new(() => NativeLibrary.TryLoad(Library, out _));

    [ThreadStatic] private static IntPtr _decompressor;

    /// <summary>Whether libturbojpeg could be loaded on this machine.</summary>
    public static bool Available => Loaded.Value;

    /// <summary>
    /// Decodes the JPEG in <paramref name="jpeg"/> into interleaved RGB (width·height·3 bytes).
    /// Throws <see cref="InvalidDataException"/> with libjpeg-turbo's message for anything it cannot
    /// decode or whose size is not <paramref name="width"/>×<paramref name="height"/>.
    /// </summary>
    public static unsafe void DecodeRgb(ReadOnlySpan<byte> jpeg, Span<byte> rgb, int width, int height)
    {
        if (rgb.Length < width * height * 3) throw new ArgumentException($"buffer of {rgb.Length} bytes, need {width * height * 3}");
        if (_decompressor == IntPtr.Zero)
        {
            _decompressor = tjInitDecompress();
            if (_decompressor == IntPtr.Zero) throw new InvalidOperationException("libturbojpeg could not make a decompressor");
        }
        fixed (byte* source = jpeg)
        fixed (byte* target = rgb)
        {
            if (tjDecompressHeader3(_decompressor, source, (nuint)jpeg.Length, out int w, out int h, out _, out _) != 0)
                throw new InvalidDataException(LastError());
            if (w != width || h != height) throw new InvalidDataException($"it decodes to {w}×{h}, expected {width}×{height}");
            if (tjDecompress2(_decompressor, source, (nuint)jpeg.Length, target, width, width * 3, height, PixelFormatRgb, 0) != 0)
                throw new InvalidDataException(LastError());
        }
    }

    private static string LastError() => Marshal.PtrToStringUTF8(tjGetErrorStr2(_decompressor)) ?? "libturbojpeg failed";

    [LibraryImport(Library)]
    private static partial IntPtr tjInitDecompress();

    [LibraryImport(Library)]
    private static unsafe partial int tjDecompressHeader3(IntPtr handle, byte* jpeg, nuint size, out int width, out int height, out int subsampling, out int colorspace);

    [LibraryImport(Library)]
    private static unsafe partial int tjDecompress2(IntPtr handle, byte* jpeg, nuint size, byte* rgb, int width, int pitch, int height, int pixelFormat, int flags);

    [LibraryImport(Library)]
    private static partial IntPtr tjGetErrorStr2(IntPtr handle);
}
