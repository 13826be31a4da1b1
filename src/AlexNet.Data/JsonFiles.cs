using System.Text.Json;
using System.Text.Json.Serialization;

namespace AlexNet.Data;

/// <summary>JSON files written whole or not at all (temporary file, then rename).</summary>
public static class JsonFiles
{
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
    };

    public static void WriteAtomically<T>(string path, T value)
    {
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(value, Options) + "\n");
        File.Move(temporary, path, overwrite: true);
    }

    public static T Read<T>(string path)
    {
        if (!File.Exists(path)) throw new DataFormatException($"{path}: not found");
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path), Options) ?? throw new DataFormatException($"{path}: empty JSON");
        }
        catch (JsonException e)
        {
            throw new DataFormatException($"{path}: not valid JSON for {typeof(T).Name} ({e.Message})");
        }
    }
}
