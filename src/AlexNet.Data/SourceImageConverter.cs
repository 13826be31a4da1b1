using System.Runtime.InteropServices;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace AlexNet.Data;

/// <summary>
/// One source file to one prepared image: decode, apply the EXIF orientation, drop or composite
/// alpha, scale the shorter side to <see cref="Size"/> and keep the centred square. Bad input never
/// throws: every file comes back kept, converted (with what was converted) or skipped (with why).
/// The header is read first, so an image too large to decode safely is skipped before any pixel
/// memory is allocated. An ordinary JPEG (RGB or grayscale, no rotation to apply) is decoded by
/// libjpeg-turbo when that is the decoder in use (<see cref="JpegDecoding"/>), everything else by ImageSharp.
/// </summary>
public sealed class SourceImageConverter
{
    /// <summary>Default pixel cap: 50 megapixels, about 600 MB at the peak of a JPEG decode.</summary>
    public const long DefaultMaxPixels = 50_000_000;

    public int Size { get; }
    public long MaxPixels { get; }
    private readonly JpegDecoder? _decoder;

    /// <param name="decoder">The JPEG decoder; null: <see cref="JpegDecoding.Current"/> at each call.</param>
    public SourceImageConverter(int size = 256, long maxPixels = DefaultMaxPixels, JpegDecoder? decoder = null)
    {
        _decoder = decoder;
        if (size < 1) throw new ArgumentOutOfRangeException(nameof(size), "size must be positive");
        if (maxPixels < 1) throw new ArgumentOutOfRangeException(nameof(maxPixels), "pixel cap must be positive");
        Size = size;
        MaxPixels = maxPixels;
    }

    /// <summary>Converts one file's bytes; writes Size·Size·3 RGB bytes to <paramref name="square"/> unless skipped.</summary>
    public ConversionOutcome Convert(byte[] file, Span<byte> square)
    {
        if (square.Length < Size * Size * 3) throw new ArgumentException("destination shorter than size·size·3");
        if (file.Length == 0) return ConversionOutcome.Skip("empty file");
        try
        {
            return ConvertChecked(file, square);
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            // A decoder failure on one file must not end a run over a million.
            return ConversionOutcome.Skip($"cannot decode: {OneLine(e.Message)}");
        }
    }

    private ConversionOutcome ConvertChecked(byte[] file, Span<byte> square)
    {
        var config = ImageSharpSettings.SingleThreaded;
        IImageInfo? info = Image.Identify(config, file, out IImageFormat? format);
        if (info is null || format is null) return ConversionOutcome.Skip("not an image (no known format signature)");
        long pixels = (long)info.Width * info.Height;
        if (info.Width < 1 || info.Height < 1) return ConversionOutcome.Skip($"image of {info.Width}×{info.Height} pixels");
        if (pixels > MaxPixels) return ConversionOutcome.Skip($"{info.Width}×{info.Height} = {pixels} pixels exceeds the cap of {MaxPixels}");

        var notes = new List<string>();
        bool alpha = false, rgbOrGrayJpeg = false;
        if (format is JpegFormat)
        {
            if (!SourceFileChecks.JpegHasEndMarker(file)) return ConversionOutcome.Skip("truncated JPEG (no end-of-image marker)");
            var color = info.Metadata.GetJpegMetadata().ColorType;
            if (color == JpegColorType.Luminance) notes.Add("grayscale → RGB");
            else if (color == JpegColorType.Cmyk) notes.Add("CMYK → RGB");
            rgbOrGrayJpeg = color != JpegColorType.Cmyk;
        }
        else if (format is PngFormat)
        {
            if (!SourceFileChecks.PngHasEndChunk(file)) return ConversionOutcome.Skip("truncated PNG (no IEND chunk)");
            var png = info.Metadata.GetPngMetadata();
            if (png.ColorType is PngColorType.Grayscale or PngColorType.GrayscaleWithAlpha) notes.Add("grayscale → RGB");
            if (png.BitDepth == PngBitDepth.Bit16) notes.Add("16-bit → 8-bit");
            alpha = png.ColorType is PngColorType.RgbWithAlpha or PngColorType.GrayscaleWithAlpha || png.HasTransparency;
        }
        else
        {
            notes.Add($"{format.Name} data, not JPEG or PNG");
            alpha = info.PixelType?.BitsPerPixel is 32 or 64;
        }

        ushort orientation = info.Metadata.ExifProfile?.GetValue(ExifTag.Orientation)?.Value ?? 1;
        if (orientation is > 1 and <= 8) notes.Add($"EXIF orientation {orientation} applied");

        if (alpha)
        {
            using var rgba = Image.Load<Rgba32>(config, file);
            Orient(rgba, orientation);
            if (CompositeOnWhite(rgba, out var rgb)) notes.Add("alpha composited on white");
            else notes.Add("opaque alpha channel dropped");
            CentreSquareResampler.Resample(rgb, rgba.Width, rgba.Height, Size, square);
        }
        else if (rgbOrGrayJpeg && orientation is < 2 or > 8 && (_decoder ?? JpegDecoding.Current) == JpegDecoder.LibjpegTurbo)
        {
            var rgb = System.Buffers.ArrayPool<byte>.Shared.Rent(info.Width * info.Height * 3);
            try
            {
                TurboJpeg.DecodeRgb(file, rgb, info.Width, info.Height);
                CentreSquareResampler.Resample(rgb.AsSpan(0, info.Width * info.Height * 3), info.Width, info.Height, Size, square);
            }
            finally { System.Buffers.ArrayPool<byte>.Shared.Return(rgb); }
        }
        else
        {
            using var image = Image.Load<Rgb24>(config, file);
            Orient(image, orientation);
            ResampleFrom(image, square);
        }
        return notes.Count == 0 ? ConversionOutcome.Kept : new ConversionOutcome(ConversionAction.Converted, string.Join("; ", notes));
    }

    private static void Orient<TPixel>(Image<TPixel> image, ushort orientation) where TPixel : unmanaged, IPixel<TPixel>
    {
        if (orientation is > 1 and <= 8) image.Mutate(x => x.AutoOrient());
    }

    private void ResampleFrom(Image<Rgb24> image, Span<byte> square)
    {
        if (image.DangerousTryGetSinglePixelMemory(out Memory<Rgb24> memory))
        {
            CentreSquareResampler.Resample(MemoryMarshal.AsBytes(memory.Span), image.Width, image.Height, Size, square);
            return;
        }
        var copy = new byte[image.Width * image.Height * 3];
        image.CopyPixelDataTo(copy);
        CentreSquareResampler.Resample(copy, image.Width, image.Height, Size, square);
    }

    /// <summary>Composites onto white; returns whether any pixel was not fully opaque.</summary>
    private static bool CompositeOnWhite(Image<Rgba32> image, out byte[] rgb)
    {
        var pixels = new byte[image.Width * image.Height * 3];
        bool translucent = false;
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                int at = y * rows.Width * 3;
                for (int x = 0; x < row.Length; x++)
                {
                    var p = row[x];
                    int a = p.A, back = 255 * (255 - a);
                    translucent |= a != 255;
                    pixels[at++] = (byte)((p.R * a + back + 127) / 255);
                    pixels[at++] = (byte)((p.G * a + back + 127) / 255);
                    pixels[at++] = (byte)((p.B * a + back + 127) / 255);
                }
            }
        });
        rgb = pixels;
        return translucent;
    }

    private static string OneLine(string s) => s.ReplaceLineEndings(" ").Trim();
}
