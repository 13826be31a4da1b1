using Akka.Actor;
using AlexNet.Actors.Protocol;
using AlexNet.Cluster.Protocol;

namespace AlexNet.Cluster.Hosting;

/// <summary>The run host when its node is leaving (SIGTERM): the run is checkpointed for the next coordinator.</summary>
public sealed partial class RunHost
{
    /// <summary>
    /// This node is shutting down: the coordinator stops after the step in progress and checkpoints
    /// it; then the node may leave, and the next run host resumes from that checkpoint. Without a
    /// checkpoint folder there is nothing to keep: it answers at once.
    /// </summary>
    private void HandOver()
    {
        var asker = Sender;
        if (_setup.Training.CheckpointDir is null)
        {
            asker.Tell(new RunHandedOver("no checkpoint folder: the next coordinator starts the run again"));
            return;
        }
        Notice("this coordinator node is shutting down: checkpointing the run for the next coordinator");
        _coordinator.Tell(new StopTraining("this coordinator node is shutting down"));
        Become(() => HandingOver(asker));
    }

    private void HandingOver(IActorRef asker)
    {
        NothingToHandOver("already handing over");
        Receive<TrainingStopped>(m => Sender.Equals(_coordinator), m =>
        {
            var summary = m.Checkpoint is { } c ? $"checkpointed the run after step {m.Steps} for the next coordinator: {c}" : $"stopped the run after step {m.Steps}; no checkpoint was written";
            Notice(summary);
            asker.Tell(new RunHandedOver(summary));
            Become(HandedOver);
        });
        // Ended anyway (the last step, an error): the other nodes are told as usual.
        Receive<TrainingFinished>(m => Sender.Equals(_coordinator), m => { asker.Tell(new RunHandedOver("the run finished")); End(m); });
        Receive<TowerLostFailure>(m => Sender.Equals(_coordinator), m =>
        {
            asker.Tell(new RunHandedOver($"{m.Reason}: the next coordinator recovers from the newest checkpoint"));
            Become(HandedOver);
        });
        Receive<TrainingFailed>(m => Sender.Equals(_coordinator), m => { asker.Tell(new RunHandedOver($"the run failed: {m.Reason}")); End(m); });
        Receive<object>(_ => Sender.Equals(_coordinator), _onEvent); // its last progress events
        ReceiveAny(_ => { });
    }

    /// <summary>Handed over: the singleton manager stops this run host as the node leaves.</summary>
    private void HandedOver()
    {
        NothingToHandOver("already handed over");
        ReceiveAny(_ => { });
    }

    private void NothingToHandOver(string why) => Receive<HandOverRun>(_ => Sender.Tell(new RunHandedOver($"nothing to hand over: {why}")));
}
