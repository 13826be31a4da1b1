namespace AlexNet.Data;

/// <summary>What preparation did with one source file.</summary>
public enum ConversionAction
{
    /// <summary>Decoded and stored as it was (apart from the resize).</summary>
    Kept,
    /// <summary>Stored after a conversion the report names (grayscale, CMYK, alpha, 16-bit, EXIF rotation...).</summary>
    Converted,
    /// <summary>Not stored; the report says why.</summary>
    Skipped,
}

/// <param name="Reason">Empty for <see cref="ConversionAction.Kept"/>; otherwise what was converted or why it was skipped.</param>
public readonly record struct ConversionOutcome(ConversionAction Action, string Reason)
{
    public static ConversionOutcome Kept => new(ConversionAction.Kept, "");
    public static ConversionOutcome Skip(string reason) => new(ConversionAction.Skipped, reason);
    public bool Stored => Action != ConversionAction.Skipped;
}
