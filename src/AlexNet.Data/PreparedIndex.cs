namespace AlexNet.Data;

/// <summary>One shard as the split index lists it.</summary>
public sealed record ShardEntry(string File, int Count, long Bytes, string Sha256);

/// <summary>A split's index.json: what a reader needs to open the split.</summary>
public sealed record PreparedIndex(int Version, int Side, RecordFormat Format, string[] Classes, ShardEntry[] Shards)
{
    public const int CurrentVersion = 1;

    public int Count => Shards.Sum(s => s.Count);

    public void Save(string path) => JsonFiles.WriteAtomically(path, this);

    public static PreparedIndex Load(string path)
    {
        var index = JsonFiles.Read<PreparedIndex>(path);
        if (index.Version != CurrentVersion) throw new DataFormatException($"{path}: index version {index.Version}, expected {CurrentVersion}");
        if (index.Side < 1 || index.Classes is null || index.Shards is null) throw new DataFormatException($"{path}: index lacks side, classes or shards");
        return index;
    }
}
