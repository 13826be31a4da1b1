using Akka.Actor;
using AlexNet.Actors.Protocol;

namespace AlexNet.Actors.Hosting;

/// <summary>
/// Receives a run's events, hands each to a callback (the console printer, a test), and completes
/// a task with the outcome. Watches the coordinator, so a coordinator that dies without a final
/// event still ends the run.
/// </summary>
public sealed class RunListener : ReceiveActor
{
    public sealed record Watch(IActorRef Coordinator);

    public RunListener(Action<object> onEvent, TaskCompletionSource<TrainingFinished> outcome)
    {
        Receive<Watch>(m => Context.Watch(m.Coordinator));
        Receive<TrainingFinished>(m => { onEvent(m); outcome.TrySetResult(m); });
        Receive<TrainingFailed>(m => { onEvent(m); outcome.TrySetException(new TrainingFailedException(m.Reason)); });
        Receive<TrainingStopped>(m => { onEvent(m); outcome.TrySetException(new TrainingStoppedException(m)); });
        Receive<Terminated>(_ => outcome.TrySetException(new TrainingFailedException("the coordinator stopped before the run ended")));
        ReceiveAny(onEvent);
    }
}

/// <summary>A run that ended on an error; the message says which actor and why.</summary>
public sealed class TrainingFailedException(string reason) : Exception(reason);

/// <summary>A run that stopped as asked (<see cref="StopSignal"/>); <see cref="Stopped"/> says where and from which checkpoint it continues.</summary>
public sealed class TrainingStoppedException(TrainingStopped stopped) : Exception($"stopped after step {stopped.Steps}: {stopped.Reason}")
{
    public TrainingStopped Stopped { get; } = stopped;
}
