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
        try { return ConfigurationFactory.ParseString(text); }
        catch (Exception e)
        {
            throw new ConfigurationFileException($"--config {userFile}: not valid HOCON: {e.Message}");
        }
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
