using Akka.Actor;
using Akka.Cluster.Tools.Singleton;
using Akka.Configuration;
using Akka;
using Akka.Event;
using AlexNet.Actors.Hosting;
using AlexNet.Actors.Loading;
using AlexNet.Actors.Protocol;
using AlexNet.Cluster.Channel;
using AlexNet.Cluster.Loading;
using AlexNet.Cluster.Protocol;
using AlexNet.Cluster.Wire;
using AlexNet.Data;
using AlexNet.Model;

namespace AlexNet.Cluster.Hosting;

/// <summary>Everything one cluster node needs: its configuration and, for loader roles, how to open the data.</summary>
/// <param name="Config">The layered configuration (alexnet.conf, cluster.conf, the user's file, variables, flags).</param>
/// <param name="Data">Opens the data this node's loaders serve (called once, only on loader nodes).</param>
/// <param name="OnEvent">The run's events, on the node that hosts the coordinator.</param>
public sealed record NodeOptions(Config Config, ClusterSettings Cluster, RunConfiguration Run, Func<LoaderData> Data, Action<object> OnEvent);

/// <summary>How a node ended: the process exit code (0 run finished, 1 run failed, 2 refused, 130/143 stopped by SIGINT/SIGTERM) and a line for the user.</summary>
public sealed record NodeOutcome(int ExitCode, string Message)
{
    /// <summary>Batch pixel buffers this node made, and how often it used one again instead (see <see cref="PixelBufferPool"/>).</summary>
    public (long Made, long Reused) BatchBuffers { get; init; }
}

/// <summary>
/// Runs one node of the cluster until the run ends: the actor system (cluster provider), the data
/// channel, the node host with its tower and loader endpoints, and, on coordinator nodes, the
/// singleton manager of the run host. Leaves the cluster gracefully at the end.
/// </summary>
public static class ClusterNode
{
    /// <param name="cancel">Ends the node with exit code 130; it leaves the cluster without having the run checkpointed.</param>
    /// <param name="leave">
    /// Cancelled by the caller on SIGTERM or SIGINT, which it catches: the node leaves as on the process's exit
    /// (the same shutdown reason, so the run is checkpointed first where that applies). The caller's handler
    /// only cancels this, so it still sees a second signal while the node waits (up to hand-over-timeout).
    /// </param>
    public static async Task<NodeOutcome> RunAsync(NodeOptions o, CancellationToken cancel = default, CancellationToken leave = default)
    {
        var s = o.Cluster;
        // A device this machine does not have is refused before joining: a tower actor failing on it
        // later would leave the run waiting for a tower that never initialises.
        if (s.Has(ClusterSettings.Tower)) foreach (var device in s.Devices) ComputeDevice.Resolve(device);
        // Tried first with a plain socket: Akka would log a failed bind's stack trace before the line below.
        if (s.Port != 0 && CannotListen(s.Hostname, s.Port) is { } taken) throw PortInUse(s, taken);
        // Loaded here, before Akka.Remote loads it too: a wrong path or password gets a message naming the key.
        var tls = s.Tls.Enabled ? ChannelTls.Load(s.Tls.CertificatePath, s.Tls.CertificatePassword, s.Tls.SuppressValidation, "alexnet.cluster.tls.certificate-path") : null;
        var akka = ClusterConfig.WithAkka(o.Config, s);
        var resetJoinAfter = JoinWatch.ResetAfterOf(o.Config);
        // A caller that handles SIGTERM and SIGINT itself (leave) must be their only handler. Akka's own, registered
        // with run-by-clr-shutdown-hook, runs the whole shutdown on the signal's thread (its callback waits for it), and
        // the runtime calls a signal's handlers one after the other on that thread: the caller's first and second
        // signals would both wait for the very leaving that the second one is meant to cut short.
        if (leave.CanBeCanceled) akka = ConfigurationFactory.ParseString("akka.coordinated-shutdown.run-by-clr-shutdown-hook = off").WithFallback(akka);
        ActorSystem system;
        try { system = ActorSystem.Create("alexnet", akka); }
        catch (Exception e) when (SocketError(e) is { } socket) { throw PortInUse(s, socket); }
        var outcome = new TaskCompletionSource<NodeOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        string? beforeLeaving = null; // what a node stopped by a signal had done for the run before it left, for its last line
        NodeOutcome Stopped() => beforeLeaving is null ? StoppedBySignal : StoppedBySignal with { Message = $"{StoppedBySignal.Message}; before leaving: {beforeLeaving}" };
        try
        {
            var cluster = Akka.Cluster.Cluster.Get(system);
            var self = cluster.SelfAddress.ToString();
            // Batch pixel buffers of this node: its loaders write into them and get them back once a batch
            // is in the data channel's socket; batches arriving here are read into them, and the
            // coordinator hands them back once the step's input is made.
            var pixelBuffers = new PixelBufferPool(o.Run.Training.MaxBatchesInFlight + o.Run.Data.Loaders + 1);
            ChannelPoint channel;
            IActorRef dataChannel;
            try { (channel, dataChannel) = StartDataChannel(system, s, self, pixelBuffers, tls); }
            catch (System.Net.Sockets.SocketException e)
            {
                throw new ConfigurationFileException($"alexnet.cluster.data-channel.port = {s.DataChannel.Port}: cannot listen on {s.Hostname}:{s.DataChannel.Port} " +
                                                     $"({e.Message}): is another node running there? (0 takes any free port)");
            }
            // A coordinator node may take the run over: the run host checks its training settings too.
            var profile = new NodeProfile(o.Run.Model, o.Run.Training.Seed, o.Run.Data.Augmentation, o.Run.Data.Source,
                s.Has(ClusterSettings.Coordinator) ? RunTerms.Of(o.Run.Training) : null);
            var devices = !s.Has(ClusterSettings.Tower) ? Array.Empty<string>()
                : s.Devices.Count > 0 ? s.Devices.ToArray() : LocalRun.TowerDevices(o.Run.Device, o.Run.Model.Towers);
            int threads = o.Run.IntraOpThreads > 0 ? o.Run.IntraOpThreads : ComputeDevice.ThreadsPerWorker(Math.Max(1, devices.Length));
            var setup = new NodeSetup(self, s.Roles, profile, channel, dataChannel, devices, threads, o.Run.Data.Loaders,
                () => ThrottledDataset.Slow(o.Data(), s.LoaderReadDelay), o.Run.Data.Augmentation, s.Precision, pixelBuffers, s.CoordinatorTimeout);
            system.ActorOf(NodeHost.Props(setup, (code, line) => outcome.TrySetResult(new NodeOutcome(code, line))), "node");
            // Stopped by a signal: before this node leaves, it asks an actor here (if it is here) to have the run checkpointed;
            // its answer, or why none came, goes into the node's last line.
            void BeforeLeaving<TReply>(string task, string actor, object request, Func<TReply, string> summary, string otherwise) =>
                CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeServiceUnbind, task, async () =>
                {
                    beforeLeaving = await AskBeforeLeavingAsync(system, actor, request, summary, s.HandOver, otherwise) ?? beforeLeaving;
                    return Done.Instance;
                });
            if (s.Has(ClusterSettings.Coordinator))
            {
                var run = new RunSetup(o.Run.Model, o.Run.Training, o.Run.Device, profile, channel, dataChannel, s.Precision, s.GatherTimeout, s.Recovery, pixelBuffers,
                    s.CheckpointLock);
                var host = RunHost.Props(run, e =>
                {
                    o.OnEvent(e);
                    if (e is TrainingFinished f) outcome.TrySetResult(new NodeOutcome(0, $"finished after {f.Steps} steps"));
                    // A node shutting down on a signal stops its run host too: that is the signal, not a failed run
                    // (and the outcome waits for the end of the shutdown, which says what was kept).
                    else if (e is TrainingFailed failed && CoordinatedShutdown.Get(system).ShutdownReason is not CoordinatedShutdown.ClrExitReason)
                        outcome.TrySetResult(new NodeOutcome(1, $"training failed: {failed.Reason}"));
                });
                system.ActorOf(ClusterSingletonManager.Props(host, PoisonPill.Instance,
                    ClusterSingletonManagerSettings.Create(system).WithRole(ClusterSettings.Coordinator)), "run");
                // Stopped by a signal: before this node leaves, the run host here (if the run is here) has the
                // run checkpointed, so the next one resumes with nothing lost.
                BeforeLeaving("hand-over-the-run", "/user/run/singleton", new HandOverRun(), (RunHandedOver r) => r.Summary,
                    "the next coordinator resumes from the previous checkpoint");
            }
            // A tower node stopped by a signal: before it leaves, the run host (on a coordinator node) checkpoints
            // the run if it trains on this node's towers, and resumes it without them.
            if (s.Has(ClusterSettings.Tower))
                BeforeLeaving("release-the-towers", "/user/node", new ReleaseTowerNode(self), (TowerNodeReleased r) => r.Summary,
                    "it resumes from its previous checkpoint without this node");
            if (s.SeedNodes.Count == 0) cluster.Join(cluster.SelfAddress);
            else JoinWatch.Start(system, s.SeedNodes, resetJoinAfter);
            _ = system.WhenTerminated.ContinueWith(_ => outcome.TrySetResult(CoordinatedShutdown.Get(system).ShutdownReason switch
            {
                CoordinatedShutdown.ClrExitReason => Stopped(),
                CoordinatedShutdown.ClusterJoinUnsuccessfulReason => new NodeOutcome(1,
                    $"could not join the cluster through {string.Join(", ", s.SeedNodes)} within {s.JoinTimeout} (alexnet.cluster.join-timeout): " +
                    "is a seed node up at that address, and is its run still going?"),
                // Downed: the split-brain resolver's decision (other members found this node unreachable), or a node that
                // joined just as its run ended and the cluster shut down. 1, as a failure: a supervisor restarts it.
                CoordinatedShutdown.ClusterDowningReason => new NodeOutcome(1, DownedMessage),
                _ => new NodeOutcome(1, "the actor system stopped"),
            }), TaskScheduler.Default);
            using var registration = cancel.Register(() => outcome.TrySetResult(new NodeOutcome(130, "stopped")));
            // Run here, on the signal's thread (or at once, for a signal caught before this point); CoordinatedShutdown
            // runs its phases asynchronously, and an exception must not reach that thread (it would end the process).
            using var leaving = leave.Register(() =>
            {
                try { _ = CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClrExitReason.Instance); }
                catch (Exception e) { outcome.TrySetResult(new NodeOutcome(1, $"could not leave the cluster: {e.Message}")); }
            });
            return await outcome.Task with { BatchBuffers = (pixelBuffers.Allocated, pixelBuffers.Reused) };
        }
        finally
        {
            await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);
            await system.WhenTerminated;
        }
    }

    /// <summary>
    /// SIGTERM or SIGINT (the process's exit, to .NET): the node left the cluster first. Neither 0 (the run
    /// finished) nor 1 (it failed): the run goes on without this node, or, where this was its only
    /// coordinator, resumes from its checkpoint when one is started again. 143 = 128 + SIGTERM.
    /// </summary>
    public static readonly NodeOutcome StoppedBySignal = new(143, "stopped by a signal after leaving the cluster");

    /// <summary>The last line of a node that the cluster downed (removed) without its asking.</summary>
    public const string DownedMessage = "this node was downed and removed from the cluster (the split-brain resolver's decision: other members " +
                                        "found it unreachable; or it joined as the cluster shut down after its run ended)";

    /// <summary>
    /// Asks <paramref name="actor"/> on this node (the run host, or the node host that forwards to it) to have
    /// the run checkpointed; returns what it did, why nothing came within <paramref name="timeout"/>, or null
    /// when the node is not stopped by a signal or the actor is not here (the run host on another node).
    /// </summary>
    private static async Task<string?> AskBeforeLeavingAsync<TReply>(ActorSystem system, string actor, object request, Func<TReply, string> summary,
                                                                    TimeSpan timeout, string otherwise)
    {
        if (CoordinatedShutdown.Get(system).ShutdownReason is not CoordinatedShutdown.ClrExitReason) return null;
        try
        {
            var target = await system.ActorSelection(actor).ResolveOne(TimeSpan.FromSeconds(2));
            return summary(await target.Ask<TReply>(request, timeout));
        }
        catch (ActorNotFoundException) { return null; }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            return $"the run was not checkpointed within {timeout} (alexnet.cluster.hand-over-timeout): {otherwise}";
        }
    }

    private static ConfigurationFileException PortInUse(ClusterSettings s, System.Net.Sockets.SocketException e) =>
        new($"alexnet.cluster.port = {s.Port}: cannot listen on {s.Hostname}:{s.Port} ({e.Message}): is another node running there? (0 takes any free port)");

    /// <summary>Why <paramref name="host"/>:<paramref name="port"/> cannot be listened on now (in use), or null (free, or the host does not resolve: Akka says so).</summary>
    private static System.Net.Sockets.SocketException? CannotListen(string host, int port)
    {
        System.Net.IPAddress address;
        try { address = System.Net.IPAddress.TryParse(host, out var ip) ? ip : System.Net.Dns.GetHostAddresses(host).First(); }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or InvalidOperationException) { return null; }
        var listener = new System.Net.Sockets.TcpListener(address, port);
        listener.Server.SetSocketOption(System.Net.Sockets.SocketOptionLevel.Socket, System.Net.Sockets.SocketOptionName.ReuseAddress, false);
        try { listener.Start(); return null; }
        catch (System.Net.Sockets.SocketException e) when (e.SocketErrorCode == System.Net.Sockets.SocketError.AddressAlreadyInUse) { return e; }
        catch (System.Net.Sockets.SocketException) { return null; }
        finally { listener.Stop(); }
    }

    /// <summary>The socket error behind a failed start (Akka wraps a failed bind several times over), or null.</summary>
    private static System.Net.Sockets.SocketException? SocketError(Exception? e) => e switch
    {
        null => null,
        System.Net.Sockets.SocketException socket => socket,
        AggregateException many => many.InnerExceptions.Select(SocketError).FirstOrDefault(x => x is not null),
        _ => SocketError(e.InnerException),
    };

    private static (ChannelPoint Point, IActorRef Actor) StartDataChannel(ActorSystem system, ClusterSettings s, string self, PixelBufferPool pixelBuffers,
        ChannelTls? tls)
    {
        if (!s.DataChannel.Enabled) return (new ChannelPoint(self, s.AdvertisedHost, 0, Array.Empty<byte>()), ActorRefs.Nobody);
        var peers = new PeerDirectory();
        var endpoints = new EndpointRegistry();
        var log = system.Log;
        var listener = new ChannelListener(s.Hostname, s.DataChannel.Port, peers, endpoints, MessageCodec.Default, (ExtendedActorSystem)system,
            s.DataChannel.MaximumFrameSize, s.DataChannel.HandshakeTimeout, line => Akka.Event.LoggingExtensions.Warning(log, line), pixelBuffers,
            s.DataChannel.Liveness, tls);
        int advertised = s.DataChannel.PublicPort > 0 ? s.DataChannel.PublicPort : listener.Port; // peers may reach it through a mapping
        if (advertised != listener.Port) system.Log.Info("data channel: listening on port {0}, peers told to connect to {1}:{2}", listener.Port, s.AdvertisedHost, advertised);
        var point = new ChannelPoint(self, s.AdvertisedHost, advertised, PeerDirectory.NewToken());
        var actor = system.ActorOf(DataChannelActor.Props(listener, point, peers, endpoints, s.DataChannel.ConnectTimeout, s.DataChannel.Liveness, tls), "data-channel");
        return (point, actor);
    }
}
