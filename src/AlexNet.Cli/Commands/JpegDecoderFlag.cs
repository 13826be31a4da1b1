using AlexNet.Data;

namespace AlexNet.Cli.Commands;

/// <summary>`--jpeg-decoder auto|libjpeg-turbo|imagesharp` of the commands that read no run configuration (prepare, bench-loader).</summary>
internal static class JpegDecoderFlag
{
    /// <summary>Sets this process's JPEG decoder (<see cref="JpegDecoding.Current"/>) from the flag, when given.</summary>
    public static void Apply(CliArgs args)
    {
        if (args.String("jpeg-decoder") is not { } setting) return;
        try { JpegDecoding.Current = JpegDecoding.Resolve(setting); }
        catch (ArgumentException e) { throw new UsageException($"--jpeg-decoder: {e.Message}"); }
    }
}
