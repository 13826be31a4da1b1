namespace AlexNet.Data;

/// <summary>
/// A prepared split (OUT/train, OUT/val, OUT/test) as an <see cref="IImageDataset"/>: every shard
/// open for positional reads, labels in memory. Safe for any number of concurrent readers.
/// </summary>
public sealed class PreparedDataset : IImageDataset, IDisposable
{
    private readonly ShardReader[] _shards;
    private readonly int[] _firstIndex; // dataset index of each shard's first record
    private readonly int[] _labels;
    private readonly PreparedIndex _index;

    public string Directory { get; }
    public int Count => _labels.Length;
    public IReadOnlyList<string> ClassNames => _index.Classes;
    public int ImageSide => _index.Side;
    public RecordFormat Format => _index.Format;

    public PreparedDataset(string splitDirectory)
    {
        Directory = splitDirectory;
        _index = PreparedIndex.Load(PreparedLayout.Index(splitDirectory));
        _shards = new ShardReader[_index.Shards.Length];
        _firstIndex = new int[_index.Shards.Length];
        var labels = new List<int>(_index.Count);
        try
        {
            for (int s = 0; s < _shards.Length; s++)
            {
                var entry = _index.Shards[s];
                var reader = _shards[s] = new ShardReader(Path.Combine(splitDirectory, entry.File));
                if (reader.Count != entry.Count || reader.Side != _index.Side || reader.Format != _index.Format)
                    throw new DataFormatException($"{reader.Path}: holds {reader.Count} {reader.Format} records of side {reader.Side}; the index says {entry.Count} {_index.Format} of side {_index.Side}");
                _firstIndex[s] = labels.Count;
                for (int r = 0; r < reader.Count; r++)
                {
                    int label = reader.Label(r);
                    if (label < 0 || label >= _index.Classes.Length) throw new DataFormatException($"{reader.Path}: record {r} has label {label}, outside 0..{_index.Classes.Length - 1}");
                    labels.Add(label);
                }
            }
        }
        catch
        {
            Dispose();
            throw;
        }
        _labels = labels.ToArray();
    }

    /// <summary>Opens OUT/<paramref name="split"/> of a prepared folder.</summary>
    public static PreparedDataset Open(string root, string split) => new(PreparedLayout.Split(root, split));

    public int Label(int index) => _labels[index];

    public void ReadPixels(int index, Span<byte> rgbHwc)
    {
        if ((uint)index >= (uint)_labels.Length) throw new ArgumentOutOfRangeException(nameof(index));
        int shard = Array.BinarySearch(_firstIndex, index);
        if (shard < 0) shard = ~shard - 1;
        // Shards can be empty (every file skipped): step past shards that start at the same index.
        while (shard + 1 < _firstIndex.Length && _firstIndex[shard + 1] <= index) shard++;
        _shards[shard].ReadPixels(index - _firstIndex[shard], rgbHwc);
    }

    /// <summary>Re-hashes every shard and throws, naming the first that does not match the index.</summary>
    public void VerifyChecksums()
    {
        for (int s = 0; s < _shards.Length; s++)
        {
            string actual = ShardReader.Sha256(_shards[s].Path);
            if (actual != _index.Shards[s].Sha256) throw new DataFormatException($"{_shards[s].Path}: SHA-256 {actual}, the index says {_index.Shards[s].Sha256}");
        }
    }

    public void Dispose()
    {
        foreach (var s in _shards) s?.Dispose();
    }
}
