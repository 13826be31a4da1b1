using System.Runtime.InteropServices;
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
/// 1 failed, 2 refused or bad usage), or on SIGTERM or SIGINT once it has left the cluster (143, 130),
/// or on a second one at once, without leaving (137).
/// </summary>
public sealed class NodeCommand : ICommand
{
    /// <summary>Cluster flags → alexnet.cluster keys (list values are comma-separated).</summary>
    public static readonly (string Flag, string Key, bool IsList)[] Map =
    {
        ("roles", "alexnet.cluster.roles", true), ("devices", "alexnet.cluster.devices", true),
        ("seed-nodes", "alexnet.cluster.seed-nodes", true), ("hostname", "alexnet.cluster.hostname", false),
        ("public-hostname", "alexnet.cluster.public-hostname", false), ("port", "alexnet.cluster.port", false),
        ("data-port", "alexnet.cluster.data-channel.port", false),
        ("data-public-port", "alexnet.cluster.data-channel.public-port", false), ("data-channel", "alexnet.cluster.data-channel.enabled", false),
        ("wire-precision", "alexnet.cluster.wire-precision", false), ("gather-timeout", "alexnet.cluster.gather-timeout", false),
        ("join-timeout", "alexnet.cluster.join-timeout", false), ("join-reset-after", "alexnet.cluster.join-reset-after", false),
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
          --data-public-port P   data-channel port peers connect to, if mapped (0 = --data-port)  env ALEXNET_DATA_PUBLIC_PORT
          --data-channel on|off  tensor bytes on our own TCP channel (on) or through Akka.Remote
          --wire-precision full|fp16|bf16   activations and gradients between processes (full)
          --gather-timeout T     how long the coordinator waits for towers and a loader (10m)
          --join-timeout T|off   how long to try joining through the seed nodes before exiting with 1 (5m)
          --join-reset-after T|off  not yet joined: how often to close the connections to the seed nodes and retry (20s)
          --coordinator-timeout T|off  how long a tower or loader node waits without a coordinator before exiting with 1 (2m)
          --hand-over-timeout T  coordinator or tower node stopped by a signal: how long to wait for the run's checkpoint before leaving (2m)
                                 (exit 143 for SIGTERM, 130 for SIGINT; the same signal again stops the node at once: exit 137)
          --checkpoint-lock on|off  coordinator: one run per checkpoint folder, as in train (on)
          --loader-read-delay T  extra time per image read, emulating slow storage (0ms)
          --max-restarts N       coordinator: how often a run may recover from a lost tower node (10; 0 = never)
          --wait-for-towers T    coordinator: how long a paused run waits for a tower to (re)join (10m)
          --tls on|off           TLS for Akka.Remote and the data channel (certificate: ALEXNET_TLS_CERTIFICATE, ALEXNET_TLS_PASSWORD)
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
        // The first SIGINT or SIGTERM (Ctrl+C, `kill`, a pod's termination) makes the node leave the cluster in
        // order (ClusterNode: the run is checkpointed first where this node hosts or trains it, for up to
        // hand-over-timeout) and exit with 130 or 143; a second one ends the process at once, as in `train`. These
        // are the only handlers of both: given `leave`, ClusterNode turns off Akka's (run-by-clr-shutdown-hook),
        // which runs the whole leaving on the signal's thread, where the handlers after it would wait for it.
        int signals = 0;
        bool interrupted = false;
        using var leave = new CancellationTokenSource();
        var towers = cluster.Has(ClusterSettings.Tower);
        var hosts = cluster.Has(ClusterSettings.Coordinator);
        string checkpointFirst = !(towers || hosts) ? ""
            : $", once the run is checkpointed if {(hosts && towers ? "this node hosts or trains it" : hosts ? "this node hosts it" : "it trains on this node's towers")}" +
              $" (at most {cluster.HandOver}, alexnet.cluster.hand-over-timeout)";
        void OnSignal(PosixSignalContext context, string name)
        {
            context.Cancel = true;
            if (Interlocked.Increment(ref signals) == 1)
            {
                interrupted = context.Signal == PosixSignal.SIGINT;
                Console.Error.WriteLine($"alexnet node: {name}: leaving the cluster{checkpointFirst}; {name} again stops at once");
                leave.Cancel(); // starts the leaving and returns (each signal has a thread of its own, the runtime's)
                return;
            }
            // Exit code 137 (128 + SIGKILL), not 130/143: for this command those say the node left the cluster in
            // order; this one did not, and the cluster takes it for crashed as after a SIGKILL (what Kubernetes reports
            // when a pod's grace period runs out, too).
            ImmediateExit.Now($"alexnet node: {name} again: stopped at once, without leaving the cluster (the others take this node for crashed)", 137);
        }
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => OnSignal(c, "SIGINT"));
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => OnSignal(c, "SIGTERM"));
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
        }), leave: leave.Token).GetAwaiter().GetResult();
        files?.Dispose();
        if (outcome.ExitCode == ClusterNode.StoppedBySignal.ExitCode && interrupted) outcome = outcome with { ExitCode = 130 };
        if (report is not null && cluster.Has(ClusterSettings.Coordinator)) recorder.Report().Write(report);
        if (outcome.BatchBuffers is var (made, reused) && made + reused > 0)
            Console.WriteLine($"batch buffers: {made} made, {reused} reused");
        (outcome.ExitCode == 0 ? Console.Out : Console.Error).WriteLine($"alexnet node: {outcome.Message}");
        return outcome.ExitCode;
    }
}
