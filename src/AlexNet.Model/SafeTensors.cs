using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace AlexNet.Model;

/// <summary>
/// The safetensors format (8-byte little-endian header length, a JSON header naming each
/// tensor's dtype, shape and byte range, then the raw little-endian data), which PyTorch,
/// JAX and most tools read. Used for checkpoint shards and exported weights. Float32 and int64.
/// </summary>
public static class SafeTensors
{
    private static readonly Dictionary<ScalarType, (string Name, int Size)> Types = new()
    {
        [ScalarType.Float32] = ("F32", 4), [ScalarType.Int64] = ("I64", 8), [ScalarType.Float16] = ("F16", 2), [ScalarType.BFloat16] = ("BF16", 2),
    };

    /// <summary>
    /// Writes tensors (any device) to <paramref name="path"/> atomically: a temporary file in the same
    /// folder, flushed to disk, then renamed. Returns the file's SHA-256 (hex) and size.
    /// </summary>
    public static (string Sha256, long Bytes) Write(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var names = tensors.Keys.OrderBy(n => n, StringComparer.Ordinal).ToList();
        var header = new Dictionary<string, object>();
        if (metadata is { Count: > 0 }) header["__metadata__"] = metadata;
        long offset = 0;
        var cpu = new List<Tensor>();
        try
        {
            foreach (var name in names)
            {
                var t = tensors[name];
                if (!Types.TryGetValue(t.dtype, out var type)) throw new NotSupportedException($"tensor '{name}': dtype {t.dtype} is not supported");
                var c = t.detach().cpu().contiguous();
                cpu.Add(c);
                long bytes = c.numel() * type.Size;
                header[name] = new Dictionary<string, object> { ["dtype"] = type.Name, ["shape"] = c.shape, ["data_offsets"] = new[] { offset, offset + bytes } };
                offset += bytes;
            }
            var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
            int pad = (8 - json.Length % 8) % 8; // keep the data 8-byte aligned, as the reference writer does
            var headerBytes = new byte[json.Length + pad];
            json.CopyTo(headerBytes, 0);
            for (int i = json.Length; i < headerBytes.Length; i++) headerBytes[i] = (byte)' ';

            var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
            Directory.CreateDirectory(dir);
            var temp = Path.Combine(dir, "." + Path.GetFileName(path) + ".tmp");
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            try
            {
                using (var fs = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
                {
                    Span<byte> len = stackalloc byte[8];
                    BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)headerBytes.Length);
                    Put(fs, sha, len);
                    Put(fs, sha, headerBytes);
                    foreach (var c in cpu) Put(fs, sha, c.bytes);
                    fs.Flush(flushToDisk: true);
                }
                File.Move(temp, path, overwrite: true);
            }
            catch
            {
                try { File.Delete(temp); } catch (IOException) { }
                throw;
            }
            return (Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant(), 8 + headerBytes.Length + offset);
        }
        finally { foreach (var c in cpu) c.Dispose(); }
    }

    private static void Put(Stream s, IncrementalHash sha, ReadOnlySpan<byte> data)
    {
        s.Write(data);
        sha.AppendData(data);
    }

    /// <summary>Reads every tensor (CPU; the caller disposes them). Throws <see cref="InvalidDataException"/> naming the file on any inconsistency.</summary>
    public static Dictionary<string, Tensor> Read(string path) => Read(path, out _);

    public static Dictionary<string, Tensor> Read(string path, out IReadOnlyDictionary<string, string> metadata)
    {
        byte[] file = File.ReadAllBytes(path);
        if (file.Length < 8) throw new InvalidDataException($"{path}: too short for a safetensors file");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (headerLength > (ulong)file.Length - 8) throw new InvalidDataException($"{path}: header length {headerLength} exceeds the file");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(file.AsMemory(8, (int)headerLength)); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: header is not valid JSON ({e.Message})"); }
        var result = new Dictionary<string, Tensor>();
        var meta = new Dictionary<string, string>();
        long dataStart = 8 + (long)headerLength;
        try
        {
            foreach (var entry in doc.RootElement.EnumerateObject())
            {
                if (entry.Name == "__metadata__")
                {
                    foreach (var m in entry.Value.EnumerateObject()) meta[m.Name] = m.Value.GetString() ?? "";
                    continue;
                }
                string dtype = entry.Value.GetProperty("dtype").GetString()!;
                var shape = entry.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                var offsets = entry.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                var (scalar, size) = Types.FirstOrDefault(t => t.Value.Name == dtype) is var kv && kv.Value.Name == dtype
                    ? (kv.Key, kv.Value.Size) : throw new InvalidDataException($"{path}: tensor '{entry.Name}' has unsupported dtype {dtype}");
                long count = shape.Aggregate(1L, (a, b) => a * b);
                if (offsets.Length != 2 || offsets[1] - offsets[0] != count * size || dataStart + offsets[1] > file.Length || offsets[0] < 0)
                    throw new InvalidDataException($"{path}: tensor '{entry.Name}' has a byte range that does not match its shape or the file");
                var t = empty(shape, scalar);
                file.AsSpan((int)(dataStart + offsets[0]), (int)(count * size)).CopyTo(t.bytes);
                result[entry.Name] = t;
            }
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        metadata = meta;
        return result;
    }

    /// <summary>SHA-256 (hex) of a file, for checking it against a manifest.</summary>
    public static string Sha256Of(string path)
    {
        using var fs = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(fs)).ToLowerInvariant();
    }
}
