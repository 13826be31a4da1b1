namespace AlexNet.Data;

/// <summary>What a prepare run did, per split.</summary>
/// <param name="Warnings">Likely mistakes in the source that did not stop the run (an empty or unreadable class folder), one line each.</param>
public sealed record PrepareSummary(IReadOnlyDictionary<string, SplitSummary> Splits, int ShardsReused, TimeSpan Elapsed, DatasetStatistics Statistics,
    IReadOnlyList<string>? Warnings = null);

/// <param name="Ignored">Files in class folders without an image extension, and every file in a class folder's sub-folders.</param>
/// <param name="EmptyClasses">Class folders without images.</param>
/// <param name="UnreadableFolders">Class folders that could not be listed (their images are left out).</param>
public sealed record SplitSummary(int Stored, int Converted, int Skipped, int Ignored, int EmptyClasses = 0, int UnreadableFolders = 0);
