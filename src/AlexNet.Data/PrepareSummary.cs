namespace AlexNet.Data;

/// <summary>What a prepare run did, per split.</summary>
public sealed record PrepareSummary(IReadOnlyDictionary<string, SplitSummary> Splits, int ShardsReused, TimeSpan Elapsed, DatasetStatistics Statistics);

/// <param name="Ignored">Files in class folders without an image extension.</param>
public sealed record SplitSummary(int Stored, int Converted, int Skipped, int Ignored);
