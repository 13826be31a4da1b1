using AlexNet.ElfPatch;

// alexnet-elfpatch --weaken-if-missing VERSION FILE...
//   For each FILE, mark its requirement of VERSION weak, unless this machine's libstdc++
//   already defines VERSION (then nothing is touched). Exit 0 on success, 1 on any error.
if (args.Length < 3 || args[0] != "--weaken-if-missing")
{
    Console.Error.WriteLine("usage: alexnet-elfpatch --weaken-if-missing VERSION FILE...");
    return 2;
}
string version = args[1];
try
{
    if (LibStdCxxProbe.Defines(version, out var lib))
    {
        Console.WriteLine($"alexnet-elfpatch: {lib} defines {version}; nothing to do");
        return 0;
    }
    foreach (var file in args.Skip(2))
    {
        var result = VersionNeedWeakener.Weaken(file, version);
        Console.WriteLine($"alexnet-elfpatch: {file}: {version} requirement " +
            (result == WeakenResult.Patched ? $"marked weak (this machine's libstdc++ ({lib ?? "not found"}) lacks it)" : "already weak"));
    }
    return 0;
}
catch (Exception e) when (e is ElfFormatException or IOException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"alexnet-elfpatch: error: {e.Message}");
    return 1;
}
