using AlexNet.Actors.Hosting;
using TelemetrySettings = AlexNet.Cli.Telemetry.TelemetrySettings;
using AlexNet.Cluster.Hosting;
using TelemetryRecorder = AlexNet.Cli.Telemetry.RunRecorder;

namespace AlexNet.Cli.Commands;

/// <summary>
/// `alexnet node`: one member of a training cluster (coordinator, tower and/or loader roles). The
/// coordinator's node prints the run's progress and keeps the run folder (metrics.csv, TensorBoard,
/// curves, as `alexnet train`; opened once the run host is on this node, so after a fail-over the next
/// coordinator node continues the same files); every node exits when the run ends (0 finished,
/// 1 failed, 2 refused or bad usage).
/// </summary>
public sealed class NodeCommand : ICommand
{
    /// <summary>Cluster flags → alexnet.cluster keys (list values are comma-separated).</summary>
    public static readonly (string Flag, string Key, bool IsList)[] Map =
    {
        ("roles", "alexnet.cluster.roles", true), ("devices", "alexnet.cluster.devices", true),
        ("seed-nodes", "alexnet.cluster.seed-nodes", true), ("hostname", "alexnet.cluster.hostname", false),
        ("public-hostname", "alexnet.cluster.public-hostname", false), ("port", "alexnet.cluster.port", false),
        ("data-port", "alexnet.cluster.data-channel.port", false), ("data-channel", "alexnet.cluster.data-channel.enabled", false),
        ("wire-precision", "alexnet.cluster.wire-precision", false), ("gather-timeout", "alexnet.cluster.gather-timeout", false),
        ("join-timeout", "alexnet.cluster.join-timeout", false),
        ("coordinator-timeout", "alexnet.cluster.coordinator-timeout", false),
        ("hand-over-timeout", "alexnet.cluster.hand-over-timeout", false), ("checkpoint-lock", "alexnet.cluster.checkpoint-lock", false),
        ("loader-read-delay", "alexnet.cluster.loader.read-delay", false), ("tls", "alexnet.cluster.tls.enabled", false),
        ("max-restarts", "alexnet.cluster.recovery.max-restarts", false), ("wait-for-towers", "alexnet.cluster.recovery.wait-for-towers", false),
    };

    public string Name => "node";
    public string Summary => "run one member of a training cluster (roles coordinator, tower, loader)";
    public string Usage => """
        usage: alexnet node [--roles R,...] [--devices D,...] [--seed-nodes A,...] [--hostname H] [--port P] [options]
          --roles R,...          coordinator, tower, loader (default: all three)       env ALEXNET_ROLES
          --devices D,...        one tower per device: cpu, cuda, cuda:N              env ALEXNET_DEVICES
                                 (default: one per model tower on --device, i.e. the whole model)
          --seed-nodes A,...     akka.tcp://alexnet@HOST:PORT of nodes to join (none: start a cluster)  env ALEXNET_SEED_NODES
          --hostname H           address to bind (127.0.0.1)                              env ALEXNET_HOSTNAME
          --public-hostname H    address peers use to reach this node (default: hostname) env ALEXNET_PUBLIC_HOSTNAME
          --port P               Akka.Remote port (4053; 0 = any)                         env ALEXNET_PORT
          --data-port P          data-channel port (0 = any)                              env ALEXNET_DATA_PORT
          --data-channel on|off  tensor bytes on our own TCP channel (on) or through Akka.Remote
          --wire-precision full|fp16|bf16   activations and gradients between processes (full)
          --gather-timeout T     how long the coordinator waits for towers and a loader (10m)
          --join-timeout T|off   how long to try joining through the seed nodes before exiting with 1 (5m)
          --coordinator-timeout T|off  how long a tower or loader node waits without a coordinator before exiting with 1 (2m)
          --hand-over-timeout T  coordinator or tower node stopped by a signal: how long to wait for the run's checkpoint before leaving (2m)
          --checkpoint-lock on|off  coordinator: one run per checkpoint folder, as in train (on)
          --loader-read-delay T  extra time per image read, emulating slow storage (0ms)
          --max-restarts N       coordinator: how often a run may recover from a lost tower node (10; 0 = never)
          --wait-for-towers T    coordinator: how long a paused run waits for a tower to (re)join (10m)
          --tls on|off           TLS for Akka.Remote (certificate: ALEXNET_TLS_CERTIFICATE, ALEXNET_TLS_PASSWORD)
          --report FILE          coordinator: write the run's report (steps, times, bytes moved) as JSON
          --run-dir D            coordinator: metrics.csv, TensorBoard events, curves.png, filters.png
                                 (default: CHECKPOINT-DIR/run; none without checkpoints)
          --tensorboard on|off   coordinator: TensorBoard event files in the run folder (on)
        and the training options of `alexnet train` (the coordinator's decide the run; every node's
        model options must match the coordinator's, or the node is refused):
        """ + "\n" + TrainFlags.Help;

    public int Run(CliArgs args)
    {
        var below = ClusterConfig.FromEnvironment(Environment.GetEnvironmentVariable);
        foreach (var (flag, key, isList) in Map)
            if (args.String(flag) is { } v) below[key] = isList ? ClusterConfig.ListValue(v) : HoconFiles.Value(v);
        string? report = args.String("report");
        var config = TrainFlags.Load(args, TelemetrySettings.Flags.Where(f => f.Flag != "live"), below).WithFallback(ClusterConfig.Defaults);
        args.RejectUnknown(Name);
        if (args.Positional.Count > 0) throw new UsageException($"unexpected argument '{args.Positional[0]}'");
        var run = RunConfiguration.From(config);
        var cluster = ClusterSettings.From(config);
        // This node's towers compute with the run's TF32 setting (process-wide; off too, as libtorch
        // starts with cuDNN's TF32 on). No effect without CUDA; loader-only nodes need no libtorch for it.
        if (cluster.Has(ClusterSettings.Tower)) AlexNet.Model.ComputeDevice.UseTf32(run.Tf32);
        var recorder = new RunRecorder();
        var telemetry = TelemetrySettings.From(config, run.Training.CheckpointDir);
        // Towers write their checkpoint shards, the coordinator's node the manifests and the run folder.
        if (run.Training.CheckpointDir is { } checkpointDir && (cluster.Has(ClusterSettings.Coordinator) || cluster.Has(ClusterSettings.Tower)))
            OutputFolders.CheckWritable(checkpointDir, "alexnet.checkpoint.dir");
        if (telemetry.RunDir is { } runDir && cluster.Has(ClusterSettings.Coordinator)) OutputFolders.CheckWritable(runDir, "alexnet.telemetry.run-dir");
        TelemetryRecorder? files = null; // opened on the first event: only the node that hosts the run host writes
        Console.WriteLine($"node: roles {string.Join(",", cluster.Roles)} at {cluster.AdvertisedHost}:{cluster.Port}" +
                          (cluster.Has(ClusterSettings.Tower) ? $", towers on {(cluster.Devices.Count > 0 ? string.Join(",", cluster.Devices) : $"{run.Model.Towers} x {run.Device}")}" : "") +
                          (cluster.SeedNodes.Count > 0 ? $", joining {string.Join(",", cluster.SeedNodes)}" : ", first seed") +
                          (cluster.Has(ClusterSettings.Coordinator) ? $"; model {run.Model}, batch {run.Training.BatchSize}, seed {run.Training.Seed}" : ""));
        // SIGINT and SIGTERM both reach Akka as the process's exit (the node leaves the cluster, then
        // stops); which one it was only decides the exit code, 130 or 143.
        bool interrupted = false;
        using var interrupt = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, _ => interrupted = true);
        var outcome = ClusterNode.RunAsync(new NodeOptions(config, cluster, run, () => DataSources.Resolve(run.Data, Console.Out), e =>
        {
            recorder.Record(e);
            if (telemetry.RunDir is { } folder && files is null)
            {
                files = new TelemetryRecorder(folder, telemetry.TensorBoard, run.Model, line => Console.Error.WriteLine("warning: " + line));
                Console.WriteLine($"run folder: {files.Folder} (metrics.csv, curves.png{(files.EventFile is null ? "" : $"; tensorboard --logdir {files.Folder}")})");
            }
            files?.OnEvent(e);
            TrainingConsole.Print(e);
        })).GetAwaiter().GetResult();
        files?.Dispose();
        if (outcome.ExitCode == ClusterNode.StoppedBySignal.ExitCode && interrupted) outcome = outcome with { ExitCode = 130 };
        if (report is not null && cluster.Has(ClusterSettings.Coordinator)) recorder.Report().Write(report);
        if (outcome.BatchBuffers is var (made, reused) && made + reused > 0)
            Console.WriteLine($"batch buffers: {made} made, {reused} reused");
        (outcome.ExitCode == 0 ? Console.Out : Console.Error).WriteLine($"alexnet node: {outcome.Message}");
        return outcome.ExitCode;
    }
}
