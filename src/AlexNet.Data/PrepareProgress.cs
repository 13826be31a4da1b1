namespace AlexNet.Data;

/// <summary>Where a prepare run stands; reported after every image and every shard.</summary>
public readonly record struct PrepareProgress(long ImagesDone, long ImagesTotal, int ShardsDone, int ShardsTotal, long Skipped, long Converted);
