namespace AlexNet.Data;

/// <summary>
/// Checks that a file was not cut short. ImageSharp decodes a JPEG whose scan data stops early
/// without complaint (the rest comes out grey or black), so truncation is found by the end
/// marker that every complete file has.
/// </summary>
public static class SourceFileChecks
{
    /// <summary>
    /// True if an end-of-image marker (FF D9) follows the last start-of-scan marker (FF DA). Looking
    /// after the last scan matters: an EXIF thumbnail near the start has its own end marker.
    /// Entropy-coded data never holds FF D9 or FF DA (an FF there is followed by 00 or a restart).
    /// </summary>
    public static bool JpegHasEndMarker(ReadOnlySpan<byte> file)
    {
        int lastScan = file.LastIndexOf([(byte)0xFF, (byte)0xDA]);
        if (lastScan < 0) return false;
        return file[(lastScan + 2)..].IndexOf([(byte)0xFF, (byte)0xD9]) >= 0;
    }

    /// <summary>True if the file holds the PNG IEND chunk type.</summary>
    public static bool PngHasEndChunk(ReadOnlySpan<byte> file) => file.LastIndexOf("IEND"u8) >= 0;
}
