using Akka.Configuration;

namespace AlexNet.Actors.Hosting;

/// <summary>
/// The configuration files under hocon/, embedded in this assembly, and the layering every
/// command uses: command-line overrides, then the user's --config file, then hocon/alexnet.conf.
/// </summary>
public static class HoconFiles
{
    /// <summary>Text of an embedded file, e.g. "alexnet.conf" or "presets/fashion-mnist-cpu.conf".</summary>
    public static string Read(string name)
    {
        var asm = typeof(HoconFiles).Assembly;
        using var stream = asm.GetManifestResourceStream("hocon/" + name)
            ?? throw new FileNotFoundException($"no embedded configuration 'hocon/{name}'");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public static IEnumerable<string> Names =>
        typeof(HoconFiles).Assembly.GetManifestResourceNames().Where(n => n.StartsWith("hocon/")).Select(n => n["hocon/".Length..]);

    public static Config Reference => ConfigurationFactory.ParseString(Read("alexnet.conf"));

    /// <summary>
    /// Builds the effective configuration. <paramref name="overrides"/> are full key paths and HOCON
    /// values (from flags); <paramref name="userFile"/> is a path or "preset:NAME" for an embedded preset.
    /// </summary>
    /// <param name="preset">An embedded preset layered between the reference and the user's file, or null.</param>
    public static Config Load(string? userFile, IReadOnlyDictionary<string, string> overrides, string? preset = null) =>
        Layer(ParseUserFile(userFile), overrides, preset);

    /// <summary>The user's --config file (read once: it may be a pipe), or null when none is given.</summary>
    public static Config? ParseUserFile(string? userFile)
    {
        if (userFile is null) return null;
        string text;
        string? folder = null;
        if (userFile.StartsWith("preset:", StringComparison.Ordinal))
        {
            var name = userFile["preset:".Length..];
            if (!Names.Contains($"presets/{name}.conf"))
                throw new ConfigurationFileException($"--config {userFile}: unknown preset {name} (known: {string.Join(", ", PresetNames)})");
            text = Read($"presets/{name}.conf");
        }
        else
        {
            text = ReadText(userFile, $"--config {userFile}");
            folder = Path.GetDirectoryName(Path.GetFullPath(userFile));
        }
        var parsed = Parse(text, $"--config {userFile}", $"--config {userFile}", folder, depth: 0);
        RejectUnknownKeys(parsed, $"--config {userFile}");
        return parsed;
    }

    /// <summary>The names of the embedded presets, for `--config preset:NAME`.</summary>
    public static IEnumerable<string> PresetNames =>
        Names.Where(n => n.StartsWith("presets/", StringComparison.Ordinal) && n.EndsWith(".conf", StringComparison.Ordinal))
             .Select(n => n["presets/".Length..^".conf".Length]).Order(StringComparer.Ordinal);

    private const int MaxIncludeDepth = 16;

    /// <summary>
    /// Parses HOCON text after <see cref="HoconText.CheckStructure"/>; `include "FILE"` reads FILE relative to
    /// <paramref name="folder"/> (the including file's folder), checked the same way; messages name
    /// <paramref name="source"/>, the file being parsed (<paramref name="root"/>: the --config file).
    /// </summary>
    private static Config Parse(string text, string source, string root, string? folder, int depth)
    {
        HoconText.CheckStructure(text, source);
        Akka.Configuration.Hocon.HoconRoot Include(string name)
        {
            if (folder is null)
                throw new ConfigurationFileException($"{source}: include \"{name}\" is not supported here (an embedded preset includes nothing)");
            if (depth >= MaxIncludeDepth)
                throw new ConfigurationFileException($"{source}: includes nested deeper than {MaxIncludeDepth} (does a file include itself?)");
            var path = Path.Combine(folder, name);
            if (!File.Exists(path))
                throw new ConfigurationFileException($"{source}: included file {name} is missing (looked for {path})");
            var includedSource = $"{root}: included file {path}";
            var included = Parse(ReadText(path, includedSource), includedSource, root, Path.GetDirectoryName(Path.GetFullPath(path)), depth + 1);
            return new Akka.Configuration.Hocon.HoconRoot(included.Root);
        }
        try { return ConfigurationFactory.ParseString(text, Include); }
        catch (Exception e) when (Unwrap(e) is ConfigurationFileException inner) { throw inner; }
        catch (Exception e)
        {
            throw new ConfigurationFileException($"{source}: not valid HOCON: {FirstLine(e.Message)}");
        }
    }

    private static Exception Unwrap(Exception e)
    {
        while (e is not ConfigurationFileException && e.InnerException is { } inner) e = inner;
        return e;
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();

    /// <summary>The file's text; throws naming it when it is missing, unreadable or not UTF-8 text.</summary>
    private static string ReadText(string path, string source)
    {
        if (Directory.Exists(path)) throw new ConfigurationFileException($"{source}: is a folder (expected a HOCON file)");
        if (!File.Exists(path)) throw new ConfigurationFileException($"{source}: no such file");
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationFileException($"{source}: cannot read: {e.Message}");
        }
        return HoconText.Decode(bytes, source);
    }

    /// <summary>
    /// Throws when <paramref name="file"/> sets a key under `alexnet` that hocon/alexnet.conf and
    /// hocon/cluster.conf do not define: HOCON would silently ignore a misspelt key, and an hour-long run
    /// would then train with the default instead. The message names the key and the nearest known one.
    /// </summary>
    public static void RejectUnknownKeys(Config file, string source)
    {
        var known = KnownKeys.Value;
        foreach (var key in LeafKeys(file.Root, ""))
        {
            if (!key.StartsWith("alexnet.", StringComparison.Ordinal) || known.Contains(key)) continue;
            var nearest = known.MinBy(k => EditDistance(k, key))!;
            var hint = EditDistance(nearest, key) <= Math.Max(2, key.Length / 4) ? $"; did you mean {nearest}?" : "";
            throw new ConfigurationFileException(
                $"{source}: unknown key {key} (not in hocon/alexnet.conf or hocon/cluster.conf){hint}");
        }
    }

    /// <summary>Every leaf key of the reference files; an empty object there (none today) would be a leaf too.</summary>
    private static readonly Lazy<HashSet<string>> KnownKeys = new(() =>
        LeafKeys(ConfigurationFactory.ParseString(Read("cluster.conf")).WithFallback(Reference).Root, "").ToHashSet());

    private static IEnumerable<string> LeafKeys(Akka.Configuration.Hocon.HoconValue value, string prefix)
    {
        var obj = value.IsObject() ? value.GetObject() : null;
        if (obj is null || obj.Items.Count == 0)
        {
            if (prefix.Length > 0) yield return prefix;
            yield break;
        }
        foreach (var (name, child) in obj.Items)
            foreach (var key in LeafKeys(child, prefix.Length == 0 ? name : $"{prefix}.{name}"))
                yield return key;
    }

    private static int EditDistance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }

    /// <summary>overrides ▸ user file ▸ preset ▸ hocon/alexnet.conf.</summary>
    public static Config Layer(Config? user, IReadOnlyDictionary<string, string> overrides, string? preset)
    {
        var config = Reference;
        if (preset is not null) config = ConfigurationFactory.ParseString(Read($"presets/{preset}.conf")).WithFallback(config);
        if (user is not null) config = user.WithFallback(config);
        if (overrides.Count > 0)
        {
            var text = string.Join("\n", overrides.Select(o => $"{o.Key} = {o.Value}"));
            config = ConfigurationFactory.ParseString(text).WithFallback(config);
        }
        return config;
    }

    /// <summary>Quotes a flag value for HOCON unless it is a plain number or word.</summary>
    public static string Value(string raw) =>
        raw.All(c => char.IsLetterOrDigit(c) || c is '.' or '-' or '_') ? raw : "\"" + raw.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}

/// <summary>A configuration file that is missing or malformed, or a key with a bad value; the message names it.</summary>
public sealed class ConfigurationFileException(string message) : Exception(message);
