using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace AlexNet.Data;

/// <summary>
/// Saves and loads <see cref="DatasetStatistics"/> (OUT/statistics.bin), little-endian:
/// "ANSTATS1", int32 version, int32 side, int64 image count, 3 float64 eigenvalues, 9 float64
/// eigenvectors (row-major, column i = p_i), 3·side·side float32 mean image (CHW), then the SHA-256
/// of everything before it. A readable summary goes to statistics.json beside it.
/// </summary>
public static class StatisticsFile
{
    private const int Version = 1;
    private static ReadOnlySpan<byte> Magic => "ANSTATS1"u8;

    public static void Save(string path, DatasetStatistics statistics, long imageCount)
    {
        int meanBytes = statistics.MeanImage.Length * 4;
        var bytes = new byte[8 + 4 + 4 + 8 + 12 * 8 + meanBytes + 32];
        Magic.CopyTo(bytes);
        int at = 8;
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), Version); at += 4;
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), statistics.Side); at += 4;
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(at), imageCount); at += 8;
        foreach (var v in statistics.Eigenvalues.Concat(statistics.Eigenvectors)) { BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(at), v); at += 8; }
        for (int i = 0; i < statistics.MeanImage.Length; i++) { BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(at), statistics.MeanImage[i]); at += 4; }
        SHA256.HashData(bytes.AsSpan(0, at), bytes.AsSpan(at));
        string temporary = path + ".tmp";
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
    }

    public static DatasetStatistics Load(string path) => Load(path, out _);

    public static DatasetStatistics Load(string path, out long imageCount)
    {
        if (!File.Exists(path)) throw new DataFormatException($"{path}: not found (run 'alexnet prepare' first)");
        var bytes = File.ReadAllBytes(path);
        const int fixedBytes = 8 + 4 + 4 + 8 + 12 * 8 + 32;
        if (bytes.Length < fixedBytes || !bytes.AsSpan(0, 8).SequenceEqual(Magic)) throw new DataFormatException($"{path}: not a statistics file (no ANSTATS1 header)");
        int version = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8));
        if (version != Version) throw new DataFormatException($"{path}: version {version}, expected {Version}");
        int side = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12));
        if (side < 1 || bytes.Length != fixedBytes + 3L * side * side * 4) throw new DataFormatException($"{path}: {bytes.Length} bytes does not match side {side}");
        int body = bytes.Length - 32;
        if (!SHA256.HashData(bytes.AsSpan(0, body)).AsSpan().SequenceEqual(bytes.AsSpan(body))) throw new DataFormatException($"{path}: checksum mismatch (file damaged)");
        imageCount = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(16));
        int at = 24;
        var values = new double[3];
        var vectors = new double[9];
        for (int i = 0; i < 3; i++, at += 8) values[i] = BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(at));
        for (int i = 0; i < 9; i++, at += 8) vectors[i] = BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(at));
        var mean = new float[3 * side * side];
        MemoryMarshal.Cast<byte, float>(bytes.AsSpan(at, mean.Length * 4)).CopyTo(mean);
        if (!BitConverter.IsLittleEndian) for (int i = 0; i < mean.Length; i++) mean[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(at + 4 * i));
        return new DatasetStatistics(side, mean, values, vectors);
    }

    /// <summary>The figures people look at: channel means, eigenvalues, eigenvectors, image count.</summary>
    public static void SaveSummary(string path, DatasetStatistics statistics, long imageCount)
    {
        int plane = statistics.Side * statistics.Side;
        var channelMeans = Enumerable.Range(0, 3).Select(c => statistics.MeanImage.AsSpan(c * plane, plane).ToArray().Average(v => (double)v)).ToArray();
        JsonFiles.WriteAtomically(path, new
        {
            images = imageCount,
            side = statistics.Side,
            channelMeansRgb = channelMeans,
            eigenvaluesUnitScale = statistics.Eigenvalues,
            eigenvectorsColumnsRgb = statistics.Eigenvectors,
        });
    }
}
