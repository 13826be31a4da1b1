using AlexNet.Actors.Inference;

namespace AlexNet.Cli.Commands;

/// <summary>The options every inference command shares: --checkpoint C and --device D.</summary>
public static class CheckpointOptions
{
    public const string Help = """
          --checkpoint C      a checkpoint folder (step-NNNNNNNNN) or a run's checkpoint folder (its newest usable one)
          --device D          cpu (default), cuda or cuda:N
        """;

    /// <summary>Reads both options (before the command rejects unknown ones).</summary>
    public static (string Checkpoint, string Device) Read(CliArgs args) =>
        (args.String("checkpoint") ?? throw new UsageException("--checkpoint C is required (a checkpoint folder or a run's checkpoint folder)"),
         args.String("device") ?? "cpu");

    /// <summary>Opens the checkpoint on the chosen device; skipped damaged checkpoints are noted on stderr.</summary>
    public static LoadedCheckpoint Open((string Checkpoint, string Device) options) =>
        LoadedCheckpoint.Open(options.Checkpoint, options.Device, line => Console.Error.WriteLine("note: " + line));

    public static string Describe(LoadedCheckpoint c) => $"checkpoint: {c.Folder} (step {c.Manifest.Step}; {c.Model})";
}
