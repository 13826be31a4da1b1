using Akka.Actor;
using AlexNet.Actors.Coordination;

namespace AlexNet.Actors.Hosting;

/// <summary>
/// Parent of a run's towers and loaders. Any child that throws is stopped, never restarted (a
/// restarted tower would come back with fresh weights), and the coordinator is told why; the
/// coordinator's DeathWatch then ends the run with an error.
/// </summary>
public sealed class RunGuardian : ReceiveActor
{
    private IActorRef _coordinator = ActorRefs.Nobody;

    public sealed record Create(Props Props, string Name);
    public sealed record ReportFailuresTo(IActorRef Coordinator);

    public RunGuardian()
    {
        Receive<Create>(m => Sender.Tell(Context.ActorOf(m.Props, m.Name)));
        Receive<ReportFailuresTo>(m => _coordinator = m.Coordinator);
    }

    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(e =>
    {
        var cause = e is ActorInitializationException { InnerException: { } inner } ? inner : e;
        _coordinator.Tell(new ChildFailed("an actor of this run", $"{cause.GetType().Name}: {cause.Message}"));
        return Directive.Stop;
    });
}
