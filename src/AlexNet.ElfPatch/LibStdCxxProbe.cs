using System.Diagnostics;

namespace AlexNet.ElfPatch;

/// <summary>
/// Finds the libstdc++.so.6 the dynamic loader would pick on this machine and reads the
/// versions it defines, so the patch is applied only where it is needed.
/// </summary>
public static class LibStdCxxProbe
{
    private const string Soname = "libstdc++.so.6";

    public static string? Locate()
    {
        var candidates = new List<string>();
        foreach (var dir in (Environment.GetEnvironmentVariable("LD_LIBRARY_PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            candidates.Add(System.IO.Path.Combine(dir, Soname));
        candidates.AddRange(FromLdconfigCache());
        candidates.AddRange(new[] { "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib", "/lib" }
            .Select(d => System.IO.Path.Combine(d, Soname)));
        return candidates.FirstOrDefault(File.Exists);
    }

    /// <summary>True when the loader's libstdc++ defines <paramref name="version"/>.</summary>
    public static bool Defines(string version, out string? library)
    {
        library = Locate();
        if (library is null) return false;
        return Elf64Image.Load(library).VersionDefinitions().Contains(version);
    }

    private static IEnumerable<string> FromLdconfigCache()
    {
        string output;
        try
        {
            var psi = new ProcessStartInfo("ldconfig", "-p") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var p in new[] { "/sbin/ldconfig", "/usr/sbin/ldconfig" })
                if (File.Exists(p)) { psi.FileName = p; break; }
            using var proc = Process.Start(psi)!;
            output = proc.StandardOutput.ReadToEnd();
            proc.WaitForExit();
        }
        catch (Exception) { yield break; }
        foreach (var line in output.Split('\n'))
        {
            var t = line.Trim();
            if (t.StartsWith(Soname + " ", StringComparison.Ordinal) && t.Contains("x86-64") && t.Contains("=> "))
                yield return t[(t.IndexOf("=> ", StringComparison.Ordinal) + 3)..].Trim();
        }
    }
}
