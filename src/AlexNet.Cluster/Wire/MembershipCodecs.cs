using AlexNet.Cluster.Protocol;

namespace AlexNet.Cluster.Wire;

/// <summary>Codecs of the membership protocol (run host ⇄ node hosts, proxies ⇄ endpoints).</summary>
internal static class MembershipCodecs
{
    public static void Register(MessageCodec c)
    {
        c.Register<Enlist>("m.enlist", (w, m) => { w.ActorRef(m.RunHost); w.Profile(m.Profile); w.Channel(m.Channel); },
            r => new Enlist(r.ActorRef(), r.Profile(), r.Channel()));
        c.Register<NodeOffer>("m.offer", (w, m) =>
        {
            w.String(m.Node); w.Strings(m.Roles); w.Profile(m.Profile); w.Channel(m.Channel);
            w.Int(m.Towers.Count);
            foreach (var t in m.Towers) { w.ActorRef(t.Endpoint); w.String(t.Device); }
            w.Int(m.Loaders.Count);
            foreach (var l in m.Loaders) w.ActorRef(l);
        }, r =>
        {
            var node = r.String();
            var roles = r.Strings();
            var profile = r.Profile();
            var channel = r.Channel();
            var towers = new TowerSeat[Bounded(r.Int())];
            for (int i = 0; i < towers.Length; i++) towers[i] = new TowerSeat(r.ActorRef(), r.String());
            var loaders = new Akka.Actor.IActorRef[Bounded(r.Int())];
            for (int i = 0; i < loaders.Length; i++) loaders[i] = r.ActorRef();
            return new NodeOffer(node, roles, profile, channel, towers, loaders);
        });
        c.Register<NodeRefused>("m.refused", (w, m) => w.String(m.Reason), r => new NodeRefused(r.String()));
        c.Register<RunEnded>("m.ended", (w, m) => { w.Bool(m.Succeeded); w.String(m.Summary); }, r => new RunEnded(r.Bool(), r.String()));
        c.Register<RunEndSeen>("m.end-seen", (w, m) => w.String(m.Node), r => new RunEndSeen(r.String()));
        c.Register<Attach>("m.attach", (w, m) => { w.ActorRef(m.Proxy); w.Channel(m.ProxyChannel); }, r => new Attach(r.ActorRef(), r.Channel()));
        c.Register<Attached>("m.attached", (w, m) => w.String(m.Description), r => new Attached(r.String()));
        c.Register<Detached>("m.detached", (w, m) => w.String(m.Reason), r => new Detached(r.String()));
        c.Register<ReleaseTowerNode>("m.release", (w, m) => w.String(m.Node), r => new ReleaseTowerNode(r.String()));
        c.Register<TowerNodeReleased>("m.released", (w, m) => w.String(m.Summary), r => new TowerNodeReleased(r.String()));
    }

    private static int Bounded(int n) => n is >= 0 and <= 1024 ? n : throw new InvalidDataException($"{n} actors in one offer");
}
