using Akka.Configuration;
using AlexNet.Actors.Hosting;

namespace AlexNet.Cli.Telemetry;

/// <summary>How a live display is chosen: auto = on a terminal only.</summary>
public enum LiveMode { Auto, On, Off }

/// <summary>What a training run records besides its checkpoints (keys under alexnet.telemetry).</summary>
/// <param name="RunDir">Folder for event files, metrics.csv, curves.png and filters.png; null = none.</param>
public sealed record TelemetrySettings(string? RunDir, bool TensorBoard, LiveMode Live)
{
    /// <summary>The flags of `alexnet train` that set these keys.</summary>
    public static readonly (string Flag, string Key)[] Flags =
    {
        ("run-dir", "alexnet.telemetry.run-dir"), ("tensorboard", "alexnet.telemetry.tensorboard"), ("live", "alexnet.telemetry.live"),
    };

    public const string Help = """
          --run-dir D         TensorBoard events, metrics.csv, curves.png, filters.png (default: CHECKPOINT-DIR/run; none without checkpoints)
          --tensorboard on|off  TensorBoard event files in the run folder (on)
          --live auto|on|off  live progress display (auto: on a terminal only; off: plain lines)
        """;

    public static TelemetrySettings From(Config c, string? checkpointDir)
    {
        var runDir = c.GetString("alexnet.telemetry.run-dir", "");
        var live = c.GetString("alexnet.telemetry.live", "auto") switch
        {
            "auto" => LiveMode.Auto,
            "on" or "true" or "yes" => LiveMode.On,
            "off" or "false" or "no" => LiveMode.Off,
            var other => throw new ConfigurationFileException($"alexnet.telemetry.live = {other}: expected auto, on or off"),
        };
        bool tensorBoard;
        try { tensorBoard = c.GetBoolean("alexnet.telemetry.tensorboard", true); }
        catch (Exception e) when (e is not ConfigurationFileException)
        {
            throw new ConfigurationFileException($"alexnet.telemetry.tensorboard = {c.GetString("alexnet.telemetry.tensorboard", "?")}: expected on or off");
        }
        string? folder = runDir.Length > 0 ? runDir : checkpointDir is { } ck ? Path.Combine(ck, "run") : null;
        return new TelemetrySettings(folder, tensorBoard, live);
    }

    /// <summary>Whether to draw the live display on this console.</summary>
    public bool LiveDisplay => Live == LiveMode.On || (Live == LiveMode.Auto && !Console.IsOutputRedirected);
}
