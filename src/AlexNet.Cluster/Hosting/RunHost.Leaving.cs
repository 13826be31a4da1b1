using Akka.Actor;
using AlexNet.Actors.Protocol;
using AlexNet.Cluster.Protocol;

namespace AlexNet.Cluster.Hosting;

/// <summary>
/// Nodes stopped by a signal (a drain, a scale-down, a rolling update) have the run checkpointed before
/// they leave, so their leaving loses no training. This node (the coordinator's): the coordinator stops
/// after the step in progress and checkpoints it, and the next coordinator node resumes from there. A
/// tower node of the run: the same checkpoint, then the run resumes from it on the towers still there.
/// A crash, by contrast, goes back to the last periodic checkpoint (RunHost.Recovery.cs).
/// </summary>
public sealed partial class RunHost
{
    /// <summary>This node is shutting down. Without a checkpoint folder there is nothing to keep: it answers at once.</summary>
    private void HandOver()
    {
        if (_setup.Training.CheckpointDir is null)
        {
            Sender.Tell(new RunHandedOver("no checkpoint folder: the next coordinator starts the run again"));
            return;
        }
        StopForCheckpoint("this coordinator node is shutting down", "the next coordinator resumes from it");
        var handOver = new List<IActorRef> { Sender };
        Become(() => Checkpointing(new List<IActorRef>(), handOver));
    }

    private void Release(ReleaseTowerNode m)
    {
        MarkLeaving(m.Node);
        if (!UsesTowersOf(m.Node))
        {
            Sender.Tell(new TowerNodeReleased("the run does not train on this node's towers"));
            return;
        }
        if (_setup.Training.CheckpointDir is null)
        {
            // Nothing can be kept: its leaving ends the run, as a lost tower does (RunHost.Recovery.cs).
            Sender.Tell(new TowerNodeReleased("no checkpoint folder: the run cannot go on without this node's towers"));
            return;
        }
        StopForCheckpoint($"tower node {m.Node} is leaving", _setup.Recovery.Enabled
            ? "the run resumes from it without that node"
            : "then the run ends (recovery is off: alexnet.cluster.recovery.max-restarts = 0), and the same command resumes it");
        var leaving = new List<IActorRef> { Sender };
        Become(() => Checkpointing(leaving, new List<IActorRef>()));
    }

    private void StopForCheckpoint(string why, string then)
    {
        Notice($"{why}: checkpointing the run after the step in progress; {then}");
        _coordinator.Tell(new StopTraining(why));
    }

    /// <summary>
    /// The coordinator finishes its step and checkpoints it. More tower nodes may leave meanwhile (a
    /// scale-down stops several at once), and this node too: all wait for the same checkpoint, which the
    /// step in progress still needs their towers for. Loaders keep joining and leaving as while running.
    /// </summary>
    private void Checkpointing(List<IActorRef> leaving, List<IActorRef> handOver)
    {
        Receive<ReleaseTowerNode>(m =>
        {
            MarkLeaving(m.Node);
            if (UsesTowersOf(m.Node)) leaving.Add(Sender);
            else Sender.Tell(new TowerNodeReleased("the run does not train on this node's towers"));
        });
        Receive<HandOverRun>(_ => handOver.Add(Sender));
        Membership(change => change());
        Offers(change => change());
        Receive<ReadyRelayed>(_ => { });
        void Answer(string summary)
        {
            foreach (var asker in leaving) asker.Tell(new TowerNodeReleased(summary));
            foreach (var asker in handOver) asker.Tell(new RunHandedOver(summary));
        }
        Receive<TrainingStopped>(_ => Sender.Equals(_coordinator), m =>
        {
            var summary = m.Checkpoint is { } c ? $"checkpointed the run after step {m.Steps}: {c}" : $"stopped the run after step {m.Steps}; no checkpoint was written";
            Notice(summary);
            Answer(summary);
            if (handOver.Count > 0) Become(HandedOver); // this node is leaving: the next coordinator resumes
            else Pause($"tower node(s) {string.Join(", ", _leaving)} leaving", lostNode: null, planned: true);
        });
        // A tower lost before the checkpoint (a leaving node that could not wait: its hand-over-timeout ran
        // out, or it was killed; another tower's crash) is recovered from as while running. Before
        // TrainingFailed, which it derives from: the first matching handler wins, and that one ends the run.
        Receive<TowerLostFailure>(_ => Sender.Equals(_coordinator), m =>
        {
            Answer($"{m.Reason}: the run recovers from the newest checkpoint");
            if (handOver.Count > 0) Become(HandedOver);
            else OnTowerLost(m);
        });
        // Ended anyway (the last step, an error): the other nodes are told as usual.
        Receive<TrainingFinished>(_ => Sender.Equals(_coordinator), m => { Answer("the run finished"); End(m); });
        Receive<TrainingFailed>(_ => Sender.Equals(_coordinator), m => { Answer($"the run failed: {m.Reason}"); End(m); });
        Receive<LoaderDropped>(OnLoaderDropped);
        Receive<Terminated>(m => m.ActorRef.Equals(_coordinator), _ =>
        {
            Answer("the coordinator stopped unexpectedly");
            End(new TrainingFailed("the coordinator stopped unexpectedly"));
        });
        Receive<Terminated>(m => { ForgetTowerProxy(m.ActorRef); ForgetLoaderProxy(m.ActorRef); });
        Receive<object>(_ => Sender.Equals(_coordinator), _onEvent); // its last progress events
        ReceiveAny(_ => { });
    }

    /// <summary>Handed over: the singleton manager stops this run host as the node leaves.</summary>
    private void HandedOver()
    {
        ReleaseCheckpointLock(); // the next coordinator node's run host takes it
        NothingToKeep("the run was handed over");
        ReceiveAny(_ => { });
    }

    private bool UsesTowersOf(string node) => _towerProxies.Values.Any(p => p.Node.Node == node);

    /// <summary>
    /// A leaving node's towers and loaders are no longer offered, nor is the node enlisted again until it is
    /// removed. Loaders already in the run keep serving it until the checkpoint; the restart leaves them out.
    /// </summary>
    private void MarkLeaving(string node)
    {
        _leaving.Add(node);
        _freeTowers.RemoveAll(t => t.Node.Node == node);
        _freeLoaders.RemoveAll(l => l.Node.Node == node);
    }

    /// <summary>States with no run to keep answer a leaving node (or this one) at once.</summary>
    private void NothingToKeep(string why)
    {
        Receive<HandOverRun>(_ => Sender.Tell(new RunHandedOver($"nothing to hand over: {why}")));
        Receive<ReleaseTowerNode>(m =>
        {
            MarkLeaving(m.Node);
            Sender.Tell(new TowerNodeReleased($"nothing to checkpoint: {why}"));
        });
    }
}
