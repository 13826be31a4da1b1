using AlexNet.Model;

namespace AlexNet.Cli.Commands;

/// <summary>
/// One speed variant of `alexnet bench`: TF32 on or off and the <see cref="ComputeOptions"/> of the
/// towers and the reference. Written as tokens joined by '+', e.g. "tf32+channels-last+bf16":
/// fp32 | bf16 | fp16, contiguous | channels-last, tf32, unpinned. "fp32" alone is the default.
/// </summary>
public sealed record BenchVariant(string Name, bool Tf32, ComputeOptions Compute)
{
    public const string Tokens = "fp32, bf16, fp16, channels-last, contiguous, tf32, unpinned";

    public static BenchVariant Baseline(double lossScale) => Parse("fp32", lossScale);

    /// <summary>Parses one variant; throws <see cref="UsageException"/> naming a bad or conflicting token.</summary>
    public static BenchVariant Parse(string text, double lossScale)
    {
        bool tf32 = false;
        Precision? precision = null;
        MemoryFormat? format = null;
        bool? pinned = null;
        var tokens = text.Split('+', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (tokens.Length == 0) throw new UsageException($"bench: empty variant in '{text}' (tokens: {Tokens})");
        foreach (var token in tokens)
        {
            if (token == "tf32") tf32 = Once(tf32, true, token, text);
            else if (token == "unpinned") pinned = Once(pinned, false, token, text);
            else if (Precisions.Parse(token) is { } p) precision = Once(precision, p, token, text);
            else if (MemoryFormats.Parse(token) is { } f) format = Once(format, f, token, text);
            else throw new UsageException($"bench: unknown variant token '{token}' in '{text}' (tokens: {Tokens})");
        }
        var compute = new ComputeOptions
        {
            Precision = precision ?? Precision.Fp32, MemoryFormat = format ?? MemoryFormat.Contiguous,
            PinnedMemory = pinned ?? true, LossScale = lossScale,
        };
        return new BenchVariant(string.Join('+', tokens), tf32, compute);
    }

    /// <summary>The variant that single-variant flags describe, named by what differs from the default.</summary>
    public static BenchVariant Of(bool tf32, ComputeOptions compute)
    {
        var tokens = new List<string>();
        if (tf32) tokens.Add("tf32");
        if (compute.MemoryFormat != MemoryFormat.Contiguous) tokens.Add(compute.MemoryFormat.Name());
        if (compute.Precision != Precision.Fp32) tokens.Add(compute.Precision.Name());
        if (!compute.PinnedMemory) tokens.Add("unpinned");
        return new BenchVariant(tokens.Count == 0 ? "fp32" : string.Join('+', tokens), tf32, compute);
    }

    /// <summary>e.g. "tf32+bf16 (bf16 contiguous, TF32 on)".</summary>
    public string Describe() => $"{Name} ({Compute}{(Tf32 ? ", TF32 on" : "")})";

    private static T Once<T>(T? previous, T value, string token, string text) where T : struct =>
        previous is null ? value : throw new UsageException($"bench: variant '{text}' sets {Kind(token)} twice");

    private static bool Once(bool previous, bool value, string token, string text) =>
        !previous ? value : throw new UsageException($"bench: variant '{text}' sets {Kind(token)} twice");

    private static string Kind(string token) => token switch
    {
        "tf32" => "tf32",
        "unpinned" => "the host copies",
        _ when Precisions.Parse(token) is not null => "the precision",
        _ => "the memory format",
    };
}
