using System.Collections.Concurrent;
using Akka.Actor;

namespace AlexNet.Cluster.Channel;

/// <summary>The local actors that frames may be addressed to, by id (their actor path). Thread-safe.</summary>
public sealed class EndpointRegistry
{
    private readonly ConcurrentDictionary<string, IActorRef> _actors = new(StringComparer.Ordinal);

    public void Register(string id, IActorRef actor) => _actors[id] = actor;
    public void Unregister(string id) => _actors.TryRemove(id, out _);

    /// <summary>Hands a decoded message to its target; false when no such endpoint is here (the frame is dropped).</summary>
    public bool Deliver(string id, object message)
    {
        if (!_actors.TryGetValue(id, out var actor)) return false;
        actor.Tell(message, ActorRefs.NoSender);
        return true;
    }

    /// <summary>The id a frame for <paramref name="actor"/> is addressed to.</summary>
    public static string IdOf(IActorRef actor) => actor.Path.ToStringWithoutAddress();
}
