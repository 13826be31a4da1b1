namespace AlexNet.Data;

/// <summary>
/// Input that cannot be used as it is: a corrupt IDX header, a shard that fails its checksum, a
/// missing index. The message names the file and what was expected; the CLI prints it as one line.
/// </summary>
public sealed class DataFormatException(string message, Exception? inner = null) : Exception(message, inner);
