namespace AlexNet.ElfPatch;

/// <summary>The file is not the ELF layout the patcher knows how to edit; nothing was written.</summary>
public sealed class ElfFormatException(string path, string reason)
    : Exception($"{path}: not the expected ELF layout: {reason}")
{
    public string Path { get; } = path;
}
