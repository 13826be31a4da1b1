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
        if (userFile.StartsWith("preset:", StringComparison.Ordinal))
            text = Read($"presets/{userFile["preset:".Length..]}.conf");
        else if (!File.Exists(userFile))
            throw new ConfigurationFileException($"--config {userFile}: no such file");
        else text = File.ReadAllText(userFile);
        Config parsed;
        try { parsed = ConfigurationFactory.ParseString(text); }
        catch (Exception e)
        {
            throw new ConfigurationFileException($"--config {userFile}: not valid HOCON: {e.Message}");
        }
        RejectUnknownKeys(parsed, $"--config {userFile}");
        return parsed;
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
