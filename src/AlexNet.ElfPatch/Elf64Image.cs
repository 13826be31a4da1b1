using System.Buffers.Binary;
using System.Text;

namespace AlexNet.ElfPatch;

/// <summary>
/// A read-only view of a little-endian ELF64 file held in memory, with every offset checked
/// against the file's bounds. Only what the patcher and the libstdc++ probe need: section
/// headers, string tables, and the GNU version sections.
/// </summary>
public sealed class Elf64Image
{
    public const uint ShtGnuVerdef = 0x6ffffffd;
    public const uint ShtGnuVerneed = 0x6ffffffe;
    public const uint ShtStrtab = 3;
    public const uint ShtDynsym = 11;
    public const ushort VerFlagWeak = 0x2;

    public readonly record struct Section(int Index, string Name, uint Type, ulong Offset, ulong Size, uint Link, uint Info);

    /// <summary>One entry of a Vernaux list: a version this library needs from <see cref="File"/>.</summary>
    public readonly record struct VersionNeed(string File, string Version, ushort Flags, int FlagsOffset);

    private readonly byte[] _bytes;
    public string Path { get; }
    public IReadOnlyList<Section> Sections { get; }

    public Elf64Image(string path, byte[] bytes)
    {
        Path = path;
        _bytes = bytes;
        if (bytes.Length < 64 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F')
            throw Fail("no ELF magic");
        if (bytes[4] != 2) throw Fail("not a 64-bit ELF (EI_CLASS != ELFCLASS64)");
        if (bytes[5] != 1) throw Fail("not little-endian (EI_DATA != ELFDATA2LSB)");
        if (bytes[6] != 1) throw Fail("unknown ELF version");
        ushort type = U16(16);
        if (type != 3) throw Fail($"not a shared object (e_type {type}, expected ET_DYN)");
        ulong shoff = U64(0x28);
        ushort shentsize = U16(0x3A), shnum = U16(0x3C), shstrndx = U16(0x3E);
        if (shentsize != 64) throw Fail($"section header size {shentsize}, expected 64");
        if (shnum == 0 || shstrndx >= shnum) throw Fail("no section header string table");
        Check(shoff, (ulong)shnum * 64, "section header table");

        var raw = new (uint name, uint type, ulong off, ulong size, uint link, uint info)[shnum];
        for (int i = 0; i < shnum; i++)
        {
            int h = checked((int)(shoff + (ulong)i * 64));
            raw[i] = (U32(h), U32(h + 4), U64(h + 24), U64(h + 32), U32(h + 40), U32(h + 44));
            if (raw[i].type != 8 /* SHT_NOBITS */) Check(raw[i].off, raw[i].size, $"section {i}");
        }
        var shstr = raw[shstrndx];
        if (shstr.type != ShtStrtab) throw Fail("e_shstrndx does not name a string table");
        var sections = new Section[shnum];
        for (int i = 0; i < shnum; i++)
            sections[i] = new Section(i, Str(shstr.off, shstr.size, raw[i].name), raw[i].type, raw[i].off, raw[i].size, raw[i].link, raw[i].info);
        Sections = sections;
    }

    public static Elf64Image Load(string path) => new(path, File.ReadAllBytes(path));

    /// <summary>Every (file, version) pair of the .gnu.version_r section, in file order.</summary>
    public IReadOnlyList<VersionNeed> VersionNeeds()
    {
        var needs = new List<VersionNeed>();
        foreach (var sec in Sections.Where(s => s.Type == ShtGnuVerneed))
        {
            var strtab = StringTableOf(sec);
            ulong pos = sec.Offset, end = sec.Offset + sec.Size;
            for (uint n = 0; n < sec.Info; n++)
            {
                CheckIn(pos, 16, end, "Verneed entry");
                int p = (int)pos;
                if (U16(p) != 1) throw Fail($"Verneed version {U16(p)}, expected 1");
                ushort count = U16(p + 2);
                string file = Str(strtab.Offset, strtab.Size, U32(p + 4));
                ulong aux = pos + U32(p + 8);
                for (int a = 0; a < count; a++)
                {
                    CheckIn(aux, 16, end, "Vernaux entry");
                    int q = (int)aux;
                    needs.Add(new VersionNeed(file, Str(strtab.Offset, strtab.Size, U32(q + 8)), U16(q + 4), q + 4));
                    uint nextAux = U32(q + 12);
                    if (nextAux == 0 && a + 1 < count) throw Fail("Vernaux list ends before vn_cnt entries");
                    aux += nextAux;
                }
                uint next = U32(p + 12);
                if (next == 0 && n + 1 < sec.Info) throw Fail("Verneed list ends before sh_info entries");
                pos += next;
            }
        }
        return needs;
    }

    /// <summary>Every version name this library defines (.gnu.version_d), e.g. GLIBCXX_3.4.30.</summary>
    public IReadOnlySet<string> VersionDefinitions()
    {
        var defs = new HashSet<string>(StringComparer.Ordinal);
        foreach (var sec in Sections.Where(s => s.Type == ShtGnuVerdef))
        {
            var strtab = StringTableOf(sec);
            ulong pos = sec.Offset, end = sec.Offset + sec.Size;
            for (uint n = 0; n < sec.Info; n++)
            {
                CheckIn(pos, 20, end, "Verdef entry");
                int p = (int)pos;
                ushort count = U16(p + 6);
                ulong aux = pos + U32(p + 12);
                if (count > 0)
                {
                    CheckIn(aux, 8, end, "Verdaux entry");
                    defs.Add(Str(strtab.Offset, strtab.Size, U32((int)aux)));
                }
                uint next = U32(p + 16);
                if (next == 0) break;
                pos += next;
            }
        }
        return defs;
    }

    private Section StringTableOf(Section sec)
    {
        if (sec.Link >= Sections.Count || Sections[(int)sec.Link].Type != ShtStrtab)
            throw Fail($"section {sec.Name} does not link to a string table");
        return Sections[(int)sec.Link];
    }

    private string Str(ulong tableOffset, ulong tableSize, uint index)
    {
        if (index >= tableSize) throw Fail($"string index {index} outside its table");
        int start = checked((int)(tableOffset + index));
        int limit = checked((int)(tableOffset + tableSize));
        int end = Array.IndexOf(_bytes, (byte)0, start, limit - start);
        if (end < 0) throw Fail("unterminated string");
        return Encoding.ASCII.GetString(_bytes, start, end - start);
    }

    private void Check(ulong offset, ulong size, string what)
    {
        if (offset > (ulong)_bytes.Length || size > (ulong)_bytes.Length - offset)
            throw Fail($"{what} lies outside the file");
    }

    private void CheckIn(ulong offset, ulong size, ulong end, string what)
    {
        if (offset > end || size > end - offset) throw Fail($"{what} lies outside its section");
    }

    private ushort U16(int at) => BinaryPrimitives.ReadUInt16LittleEndian(_bytes.AsSpan(at, 2));
    private uint U32(int at) => BinaryPrimitives.ReadUInt32LittleEndian(_bytes.AsSpan(at, 4));
    private ulong U64(int at) => BinaryPrimitives.ReadUInt64LittleEndian(_bytes.AsSpan(at, 8));
    private ElfFormatException Fail(string reason) => new(Path, reason);
}
