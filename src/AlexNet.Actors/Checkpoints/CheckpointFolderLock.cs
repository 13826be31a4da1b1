namespace AlexNet.Actors.Checkpoints;

/// <summary>
/// One training run per checkpoint folder: two runs writing the same folder would each resume from
/// the other's checkpoints and overwrite them. Held as an exclusive lock on `.lock` in the folder for
/// the run's life (.NET's FileShare.None, an advisory flock on Linux, released by the kernel when the
/// process dies, however it dies); `.lock.owner` says who holds it, for the refusal's message.
/// </summary>
public sealed class CheckpointFolderLock : IDisposable
{
    public const string LockName = ".lock", OwnerName = ".lock.owner";
    private readonly FileStream _lock;

    private CheckpointFolderLock(FileStream held) => _lock = held;

    /// <summary>Takes the folder's lock, or throws <see cref="IOException"/> naming the run that holds it.</summary>
    public static CheckpointFolderLock Acquire(string folder)
    {
        Directory.CreateDirectory(folder);
        FileStream held;
        try { held = new FileStream(Path.Combine(folder, LockName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
        catch (IOException) when (File.Exists(Path.Combine(folder, LockName)))
        {
            string owner = "another process";
            try { owner = File.ReadAllText(Path.Combine(folder, OwnerName)).Trim(); } catch (IOException) { }
            throw new IOException($"another run is using it ({owner}): wait for it to end, or choose another folder");
        }
        File.WriteAllText(Path.Combine(folder, OwnerName),
            $"process {Environment.ProcessId} on {Environment.MachineName}, since {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC");
        return new CheckpointFolderLock(held);
    }

    public void Dispose() => _lock.Dispose();
}
