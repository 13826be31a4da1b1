using System.Globalization;

namespace AlexNet.Cli;

/// <summary>A command-line mistake: printed as one line, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>
/// Parsed arguments of one command: `--name value`, `--name=value`, bare `--flag`s and positional
/// values. Every option a command reads is recorded, so unknown options are reported, not ignored.
/// </summary>
public sealed class CliArgs
{
    private readonly Dictionary<string, List<string>> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);
    public IReadOnlyList<string> Positional { get; }

    /// <param name="flagNames">Options that take no value.</param>
    public CliArgs(IEnumerable<string> args, IEnumerable<string> flagNames)
    {
        var flagSet = new HashSet<string>(flagNames, StringComparer.Ordinal);
        var positional = new List<string>();
        var list = args.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            var a = list[i];
            if (a == "--") { positional.AddRange(list.Skip(i + 1)); break; }
            if (!a.StartsWith("--", StringComparison.Ordinal) || a.Length == 2) { positional.Add(a); continue; }
            var name = a[2..];
            string? value = null;
            int eq = name.IndexOf('=');
            if (eq >= 0) { value = name[(eq + 1)..]; name = name[..eq]; }
            if (flagSet.Contains(name))
            {
                if (value is not null) throw new UsageException($"option --{name} takes no value");
                _flags.Add(name);
                continue;
            }
            if (value is null)
            {
                if (i + 1 >= list.Count) throw new UsageException($"option --{name} needs a value");
                value = list[++i];
            }
            if (!_options.TryGetValue(name, out var values)) _options[name] = values = new List<string>();
            values.Add(value);
        }
        Positional = positional;
    }

    public bool Flag(string name) { _read.Add(name); return _flags.Contains(name); }

    public string? String(string name)
    {
        _read.Add(name);
        return _options.TryGetValue(name, out var v) ? v[^1] : null;
    }

    public IReadOnlyList<string> Strings(string name)
    {
        _read.Add(name);
        return _options.TryGetValue(name, out var v) ? v : Array.Empty<string>();
    }

    public int? Int(string name) => Parse(name, s => int.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture), "an integer");
    public long? Long(string name) => Parse(name, s => long.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture), "an integer");
    public double? Double(string name) => Parse(name, s => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture), "a number");

    private T? Parse<T>(string name, Func<string, T> parse, string what) where T : struct
    {
        var s = String(name);
        if (s is null) return null;
        try { return parse(s); }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new UsageException($"option --{name}: '{s}' is not {what}");
        }
    }

    /// <summary>Throws for any option or flag given but never read by the command.</summary>
    public void RejectUnknown(string command)
    {
        var unknown = _options.Keys.Concat(_flags).Where(n => !_read.Contains(n)).ToList();
        if (unknown.Count > 0)
            throw new UsageException($"{command}: unknown option{(unknown.Count > 1 ? "s" : "")} {string.Join(", ", unknown.Select(u => "--" + u))} (see 'alexnet {command} --help')");
    }
}
