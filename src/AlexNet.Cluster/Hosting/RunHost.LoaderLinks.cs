using Akka.Actor;
using AlexNet.Actors.Protocol;
using AlexNet.Cluster.Protocol;
using AlexNet.Cluster.Proxies;

namespace AlexNet.Cluster.Hosting;

/// <summary>
/// A loader node's connection to this node can end while the node stays in the cluster (a network cut, a
/// firewall or NAT dropping the connection, a switch restarted). Its loader proxies then stop at once, so the
/// coordinator hands their batches to the other loaders, or waits if there are none. Here the run host attaches
/// new proxies to the same loaders: after 1 s, then (while connections keep ending within a minute of attaching)
/// after 2, 4, ... up to 30 s, and hands each to the coordinator once it is attached, never before (a proxy of a
/// node that died would hold its batches until the cluster finds the node unreachable). Not attached again: a
/// node that is gone (unreachable or removed: it is enlisted anew if it comes back), leaving, or withdrawn by
/// the coordinator for not delivering.
/// </summary>
public sealed partial class RunHost
{
    private static readonly TimeSpan FirstReattachDelay = TimeSpan.FromSeconds(1), LastReattachDelay = TimeSpan.FromSeconds(30);
    /// <summary>A proxy attached for this long has a working connection: its next loss starts again from the first delay.</summary>
    private static readonly TimeSpan StableConnection = TimeSpan.FromMinutes(1);
    /// <summary>A new proxy not attached by then (its Attach lost, its node dying) is stopped and tried again later.</summary>
    private static readonly TimeSpan AttachTimeout = TimeSpan.FromSeconds(20);

    private readonly Dictionary<IActorRef, (IActorRef Endpoint, ChannelPoint Node)> _loaderSeats = new(); // proxy → what it stands in for
    private readonly Dictionary<IActorRef, (IActorRef Endpoint, ChannelPoint Node)> _attaching = new(); // new proxies not yet attached
    private readonly Dictionary<IActorRef, (int Losses, DateTime AttachedAt)> _reattachments = new(); // per endpoint
    private readonly HashSet<string> _withdrawnLoaderNodes = new(); // OnLoaderDropped, until the node offers itself again

    private sealed record ReattachLoader(IActorRef Endpoint, ChannelPoint Node);
    private sealed record AttachTimedOut(IActorRef Proxy);

    /// <param name="announce">Runs a change of the run's loaders now, or once the run has started.</param>
    private void LoaderLinks(Action<Action> announce)
    {
        Receive<LoaderConnectionLost>(m =>
        {
            var proxy = Sender;
            _loaderProxies.Remove(proxy);
            _attaching.Remove(proxy);
            Lost(m.Endpoint, m.Node, m.Reason, except: proxy);
        });
        Receive<ReattachLoader>(Reattach);
        Receive<LoaderAttached>(m =>
        {
            var proxy = Sender;
            if (!_attaching.Remove(proxy, out var seat)) return; // one of the run's first proxies: the coordinator has it
            Timers.Cancel(AttachTimerKey(proxy));
            if (!StillEnlisted(seat.Node.Node))
            {
                Context.Unwatch(proxy);
                Context.Stop(proxy);
                return;
            }
            _reattachments[seat.Endpoint] = (_reattachments.GetValueOrDefault(seat.Endpoint).Losses, DateTime.UtcNow);
            _loaderProxies[proxy] = seat.Node.Node;
            Notice($"loader {seat.Endpoint.Path.Name} on {seat.Node.Node} attached again");
            announce(() => _coordinator.Tell(new LoaderJoined(proxy, seat.Node.Node)));
        });
        Receive<AttachTimedOut>(m =>
        {
            if (!_attaching.Remove(m.Proxy, out var seat)) return;
            Context.Unwatch(m.Proxy);
            Context.Stop(m.Proxy);
            Lost(seat.Endpoint, seat.Node, $"a new proxy was not attached within {AttachTimeout}", except: m.Proxy);
        });
    }

    /// <summary>A loader's proxy is gone, its node maybe not: try again after a delay that grows while losses repeat.</summary>
    private void Lost(IActorRef endpoint, ChannelPoint node, string reason, IActorRef except)
    {
        if (!StillEnlisted(node.Node) || Served(endpoint, except)) return;
        var (losses, attachedAt) = _reattachments.GetValueOrDefault(endpoint);
        if (DateTime.UtcNow - attachedAt >= StableConnection) losses = 0;
        var delay = TimeSpan.FromTicks(Math.Min(LastReattachDelay.Ticks, FirstReattachDelay.Ticks << Math.Min(losses, 16)));
        _reattachments[endpoint] = (losses + 1, attachedAt);
        Notice($"loader {endpoint.Path.Name} on {node.Node}: {reason}; the node is still in the cluster: attaching it again in {delay.TotalSeconds:0.#} s",
            isError: true);
        Timers.StartSingleTimer($"reattach {endpoint.Path}", new ReattachLoader(endpoint, node), delay);
    }

    private void Reattach(ReattachLoader m)
    {
        if (!StillEnlisted(m.Node.Node) || Served(m.Endpoint, except: ActorRefs.Nobody)) return;
        var proxy = NewLoaderProxy(m.Endpoint, m.Node, attached: false);
        Timers.StartSingleTimer(AttachTimerKey(proxy), new AttachTimedOut(proxy), AttachTimeout);
    }

    private static string AttachTimerKey(IActorRef proxy) => $"attach {proxy.Path.Name}";

    /// <summary>The node offered itself and has not gone, started leaving or been withdrawn since.</summary>
    private bool StillEnlisted(string node) => _offered.Contains(node) && !_leaving.Contains(node) && !_withdrawnLoaderNodes.Contains(node);

    /// <summary>Some proxy other than <paramref name="except"/> stands in for the endpoint, or it waits in the free loaders.</summary>
    private bool Served(IActorRef endpoint, IActorRef except) =>
        _freeLoaders.Any(l => l.Endpoint.Equals(endpoint)) ||
        _loaderProxies.Keys.Concat(_attaching.Keys).Any(p => !p.Equals(except) && _loaderSeats.TryGetValue(p, out var s) && s.Endpoint.Equals(endpoint));

    /// <summary>
    /// Stops, unwatched, the loader proxies of the nodes <paramref name="ofNode"/> picks: the run's and those still attaching
    /// (<paramref name="attachingOnly"/>: only these). Returns how many.
    /// </summary>
    private int StopLoaderProxies(Func<string, bool> ofNode, bool attachingOnly = false)
    {
        var proxies = _attaching.Where(p => ofNode(p.Value.Node.Node)).Select(p => p.Key)
            .Concat(attachingOnly ? Enumerable.Empty<IActorRef>() : _loaderProxies.Where(p => ofNode(p.Value)).Select(p => p.Key)).ToList();
        foreach (var proxy in proxies)
        {
            _loaderProxies.Remove(proxy);
            _attaching.Remove(proxy);
            Context.Unwatch(proxy);
            Context.Stop(proxy);
        }
        return proxies.Count;
    }

    /// <summary>A loader proxy stopped (Terminated): forgotten wherever it was.</summary>
    private void ForgetLoaderProxy(IActorRef proxy)
    {
        _loaderProxies.Remove(proxy);
        _attaching.Remove(proxy);
        _loaderSeats.Remove(proxy);
    }

    /// <summary>
    /// A proxy for <paramref name="endpoint"/>, watched. <paramref name="attached"/>: one of the run's (the
    /// coordinator is given it now; it stashes requests until attached); otherwise a reattachment, handed over
    /// once <see cref="LoaderAttached"/> comes.
    /// </summary>
    private IActorRef NewLoaderProxy(IActorRef endpoint, ChannelPoint node, bool attached = true)
    {
        var proxy = Context.ActorOf(RemoteLoaderProxy.Props(endpoint, node, _setup.Channel, _setup.DataChannel),
            $"loader-{_loaderSerial++}");
        Context.Watch(proxy);
        foreach (var stopped in _loaderSeats.Keys.Where(p => !_loaderProxies.ContainsKey(p) && !_attaching.ContainsKey(p)).ToList())
            _loaderSeats.Remove(stopped); // stopped without a Terminated (unwatched first)
        _loaderSeats[proxy] = (endpoint, node);
        if (attached) _loaderProxies[proxy] = node.Node;
        else _attaching[proxy] = (endpoint, node);
        return proxy;
    }
}
