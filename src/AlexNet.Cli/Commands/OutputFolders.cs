using AlexNet.Actors.Hosting;

namespace AlexNet.Cli.Commands;

/// <summary>
/// Checks, before a run starts, that a folder it will write (checkpoints, the run folder) can be
/// made and written: a file in its place, a read-only or virtual file system, or missing permissions
/// are one line naming the key, not an exception from inside the run.
/// </summary>
public static class OutputFolders
{
    /// <summary>Creates <paramref name="folder"/> when missing and writes and removes a probe file in it.</summary>
    /// <param name="key">The HOCON key that named the folder (its flag overrides it).</param>
    public static void CheckWritable(string folder, string key)
    {
        if (File.Exists(folder)) throw new ConfigurationFileException($"{key} = {folder}: is a file (expected a folder to write into)");
        string probe = Path.Combine(folder, $".alexnet-write-test-{Environment.ProcessId}");
        try
        {
            Directory.CreateDirectory(folder);
            File.WriteAllBytes(probe, Array.Empty<byte>());
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new ConfigurationFileException($"{key} = {folder}: cannot write there ({e.Message})");
        }
    }
}
