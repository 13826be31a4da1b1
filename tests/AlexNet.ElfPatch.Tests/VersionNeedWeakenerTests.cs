using System.Reflection;
using System.Security.Cryptography;
using AlexNet.ElfPatch;
using Xunit;

namespace AlexNet.ElfPatch.Tests;

public sealed class VersionNeedWeakenerTests : IDisposable
{
    private const string Needed = "GLIBCXX_3.4.32";
    private readonly string _dir = Directory.CreateTempSubdirectory("elfpatch-").FullName;

    private static string RealLibrary =>
        typeof(VersionNeedWeakenerTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "LibTorchSharpInNuGetCache").Value!;

    private string CopyOfReal()
    {
        var path = Path.Combine(_dir, "libLibTorchSharp.so");
        File.Copy(RealLibrary, path, overwrite: true);
        return path;
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    [Fact]
    public void The_real_library_needs_the_version_and_it_is_not_weak_as_shipped()
    {
        var need = Elf64Image.Load(RealLibrary).VersionNeeds().Single(n => n.Version == Needed);
        Assert.Equal("libstdc++.so.6", need.File);
        Assert.Equal(0, need.Flags & Elf64Image.VerFlagWeak);
    }

    [Fact]
    public void Weakening_changes_exactly_that_flag_and_nothing_else()
    {
        var path = CopyOfReal();
        var before = File.ReadAllBytes(path);
        var needsBefore = Elf64Image.Load(path).VersionNeeds();

        Assert.Equal(WeakenResult.Patched, VersionNeedWeakener.Weaken(path, Needed));

        var after = File.ReadAllBytes(path);
        Assert.Equal(before.Length, after.Length);
        var changed = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToList();
        var target = needsBefore.Single(n => n.Version == Needed);
        Assert.Equal(new[] { target.FlagsOffset }, changed); // VER_FLG_WEAK lives in the low byte
        var needsAfter = Elf64Image.Load(path).VersionNeeds();
        foreach (var (b, a) in needsBefore.Zip(needsAfter))
        {
            Assert.Equal(b.Version, a.Version);
            Assert.Equal(b.Version == Needed ? (ushort)(b.Flags | Elf64Image.VerFlagWeak) : b.Flags, a.Flags);
        }
        Assert.Equal(Hash(RealLibrary), Convert.ToHexString(SHA256.HashData(before))); // the cache copy untouched
    }

    [Fact]
    public void Weakening_twice_is_a_no_op()
    {
        var path = CopyOfReal();
        VersionNeedWeakener.Weaken(path, Needed);
        var hash = Hash(path);
        Assert.Equal(WeakenResult.AlreadyWeak, VersionNeedWeakener.Weaken(path, Needed));
        Assert.Equal(hash, Hash(path));
    }

    [Fact]
    public void Weakening_replaces_a_hard_link_instead_of_writing_through_it()
    {
        var original = CopyOfReal();
        var link = Path.Combine(_dir, "linked.so");
        if (!TryHardLink(original, link)) return; // file system without hard links: nothing to show
        var hash = Hash(original);
        VersionNeedWeakener.Weaken(link, Needed);
        Assert.Equal(hash, Hash(original));
        Assert.NotEqual(hash, Hash(link));
    }

    [Theory]
    [InlineData("text")]
    [InlineData("truncated")]
    [InlineData("elf32")]
    [InlineData("big-endian")]
    [InlineData("section-table-outside")]
    [InlineData("empty")]
    public void Refuses_what_is_not_the_expected_layout_and_leaves_the_file_untouched(string kind)
    {
        var path = Path.Combine(_dir, kind + ".so");
        var real = File.ReadAllBytes(RealLibrary);
        byte[] bytes = kind switch
        {
            "text" => "#!/bin/sh\necho not a library\n"u8.ToArray(),
            "truncated" => real[..4096],
            "elf32" => WithByte(real, 4, 1),
            "big-endian" => WithByte(real, 5, 2),
            "section-table-outside" => WithU64(real, 0x28, (ulong)real.Length + 10),
            "empty" => Array.Empty<byte>(),
            _ => throw new ArgumentException(kind),
        };
        File.WriteAllBytes(path, bytes);
        var hash = Hash(path);
        Assert.Throws<ElfFormatException>(() => VersionNeedWeakener.Weaken(path, Needed));
        Assert.Equal(hash, Hash(path));
        Assert.Single(Directory.GetFiles(_dir, kind + "*"));
    }

    [Fact]
    public void Refuses_a_library_without_that_version_requirement()
    {
        var path = CopyOfReal();
        var hash = Hash(path);
        var e = Assert.Throws<ElfFormatException>(() => VersionNeedWeakener.Weaken(path, "GLIBCXX_9.9.99"));
        Assert.Contains("GLIBCXX_9.9.99", e.Message);
        Assert.Equal(hash, Hash(path));
    }

    [Fact]
    public void The_probe_reads_this_machines_libstdcxx_versions()
    {
        var lib = LibStdCxxProbe.Locate();
        Assert.NotNull(lib);
        var defs = Elf64Image.Load(lib!).VersionDefinitions();
        Assert.Contains("GLIBCXX_3.4", defs);
        Assert.Contains("CXXABI_1.3", defs);
        // Whatever this machine has, the probe's answer agrees with the definitions it read.
        Assert.Equal(defs.Contains(Needed), LibStdCxxProbe.Defines(Needed, out _));
    }

    private static byte[] WithByte(byte[] src, int at, byte value) { var b = (byte[])src.Clone(); b[at] = value; return b; }
    private static byte[] WithU64(byte[] src, int at, ulong value)
    {
        var b = (byte[])src.Clone();
        BitConverter.TryWriteBytes(b.AsSpan(at, 8), value);
        return b;
    }

    private static bool TryHardLink(string existing, string link)
    {
        try
        {
            var p = System.Diagnostics.Process.Start("ln", new[] { existing, link });
            p.WaitForExit();
            return p.ExitCode == 0;
        }
        catch (Exception) { return false; }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
