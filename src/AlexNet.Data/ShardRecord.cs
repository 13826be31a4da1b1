namespace AlexNet.Data;

/// <summary>
/// shard-NNNNN.json, written after its shard is complete: everything a resumed or final pass needs
/// without decoding the sources again. A shard counts as done only when this file exists, the
/// shard's SHA-256 matches it, and its sources are the ones the shard is assigned now.
/// </summary>
/// <param name="Sources">Every source file assigned to the shard, in order.</param>
/// <param name="Samples">The stored ones (relative paths), in record order.</param>
/// <param name="Report">Converted and skipped files of the shard.</param>
public sealed record ShardRecord(string File, int Count, long Bytes, string Sha256, string[] Sources, string[] Samples, int[] Labels, ReportLine[] Report);
