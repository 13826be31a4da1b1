using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AlexNet.Data;

/// <summary>What decodes a prepared shard's JPEG records into pixels.</summary>
public enum JpegDecoder
{
    /// <summary>SixLabors.ImageSharp, managed: there on every machine.</summary>
    ImageSharp,

    /// <summary>libjpeg-turbo through <see cref="TurboJpeg"/>: several times faster, where libturbojpeg is installed.</summary>
    LibjpegTurbo,
}

/// <summary>
/// The JPEG record decoder of this process (alexnet.data.jpeg-decoder). The two differ in rounding
/// (chroma upsampling, IDCT): a pixel may come out a few levels apart, so runs meant to be compared bit
/// for bit, or the nodes of one cluster run, should use the same one; raw records are not affected.
/// </summary>
public static class JpegDecoding
{
    /// <summary>The decoder <see cref="ShardReader"/> uses; starts as <see cref="Resolve"/>("auto").</summary>
    public static JpegDecoder Current { get; set; } = Resolve("auto");

    /// <summary>auto (libjpeg-turbo when the machine has it), libjpeg-turbo (required) or imagesharp.</summary>
    public static JpegDecoder Resolve(string setting) => setting switch
    {
        "auto" => TurboJpeg.Available ? JpegDecoder.LibjpegTurbo : JpegDecoder.ImageSharp,
        "imagesharp" => JpegDecoder.ImageSharp,
        "libjpeg-turbo" => TurboJpeg.Available ? JpegDecoder.LibjpegTurbo
            : throw new ArgumentException("alexnet.data.jpeg-decoder = libjpeg-turbo, but libturbojpeg.so.0 is not on this machine (Debian/Ubuntu: apt install libturbojpeg0)"),
        _ => throw new ArgumentException($"alexnet.data.jpeg-decoder = {setting}: expected auto, libjpeg-turbo or imagesharp"),
    };

    /// <summary>The name the setting and the logs use.</summary>
    public static string Name(JpegDecoder d) => d == JpegDecoder.LibjpegTurbo ? "libjpeg-turbo" : "imagesharp";

    /// <summary>
    /// Decodes a <paramref name="side"/>×<paramref name="side"/> JPEG record into interleaved RGB with
    /// <paramref name="decoder"/> (default <see cref="Current"/>); <see cref="InvalidDataException"/>
    /// saying what is wrong for anything else.
    /// </summary>
    public static void DecodeRecord(ReadOnlySpan<byte> jpeg, Span<byte> rgb, int side, JpegDecoder? decoder = null)
    {
        if ((decoder ?? Current) == JpegDecoder.LibjpegTurbo)
        {
            TurboJpeg.DecodeRgb(jpeg, rgb, side, side);
            return;
        }
        try
        {
            using var image = Image.Load<Rgb24>(ImageSharpSettings.SingleThreaded, jpeg);
            if (image.Width != side || image.Height != side) throw new InvalidDataException($"it decodes to {image.Width}×{image.Height}, expected {side}×{side}");
            image.CopyPixelDataTo(rgb[..(side * side * 3)]);
        }
        catch (Exception ex) when (ex is InvalidImageContentException or UnknownImageFormatException)
        {
            // One line for the run log: ImageSharp's unknown-format message lists every decoder it has.
            throw new InvalidDataException(ex is UnknownImageFormatException ? "no image format recognised" : ex.Message.Split('\n')[0].Trim());
        }
    }
}
