using System.Buffers.Binary;

namespace AlexNet.ElfPatch;

/// <summary>What <see cref="VersionNeedWeakener.Weaken"/> did to a file.</summary>
public enum WeakenResult { Patched, AlreadyWeak }

/// <summary>
/// Sets VER_FLG_WEAK on one version requirement (Vernaux entry) of an ELF shared library, so the
/// dynamic loader accepts a libstdc++ that lacks that version. glibc's loader treats a missing
/// weak version as a warning, not an error. This is safe only when no symbol bound to that
/// version is ever called: for TorchSharp 0.107 the only one is std::ios_base_library_init(),
/// a link-time marker emitted by GCC 13's &lt;iostream&gt;.
/// The file is rewritten atomically (temporary file, then rename): on any error it is untouched,
/// and a hard link into the NuGet cache is replaced, never written through.
/// </summary>
public static class VersionNeedWeakener
{
    public static WeakenResult Weaken(string path, string version)
    {
        byte[] bytes = File.ReadAllBytes(path);
        var image = new Elf64Image(path, bytes);
        var matches = image.VersionNeeds().Where(n => n.Version == version).ToList();
        if (matches.Count == 0)
            throw new ElfFormatException(path, $"no version requirement named {version} in .gnu.version_r");
        if (matches.All(m => (m.Flags & Elf64Image.VerFlagWeak) != 0))
            return WeakenResult.AlreadyWeak;

        foreach (var m in matches)
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(m.FlagsOffset, 2), (ushort)(m.Flags | Elf64Image.VerFlagWeak));

        // Re-parse the edited bytes: the edit must leave a file of the same layout.
        var check = new Elf64Image(path, bytes).VersionNeeds().Where(n => n.Version == version);
        if (!check.All(n => (n.Flags & Elf64Image.VerFlagWeak) != 0))
            throw new ElfFormatException(path, "the edit did not take");

        string temp = path + ".elfpatch.tmp";
        try
        {
            using (var fs = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                fs.Write(bytes);
                fs.Flush(flushToDisk: true);
            }
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(temp, File.GetUnixFileMode(path));
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
        return WeakenResult.Patched;
    }
}
