namespace AlexNet.Cluster.Wire;

/// <summary>
/// Bytes this process sent and received, by route: Akka.Remote (our serializer's payloads, not
/// counting Akka's envelopes) and the data channel (whole frames). Read by the benchmark and the
/// coordinator's run report.
/// </summary>
public static class WireMeter
{
    private static long _akkaOut, _akkaIn, _channelOut, _channelIn;

    public static void AkkaOut(long bytes) => Interlocked.Add(ref _akkaOut, bytes);
    public static void AkkaIn(long bytes) => Interlocked.Add(ref _akkaIn, bytes);
    public static void ChannelOut(long bytes) => Interlocked.Add(ref _channelOut, bytes);
    public static void ChannelIn(long bytes) => Interlocked.Add(ref _channelIn, bytes);

    public readonly record struct Reading(long AkkaOut, long AkkaIn, long ChannelOut, long ChannelIn)
    {
        public long Total => AkkaOut + AkkaIn + ChannelOut + ChannelIn;
        public static Reading operator -(Reading a, Reading b) =>
            new(a.AkkaOut - b.AkkaOut, a.AkkaIn - b.AkkaIn, a.ChannelOut - b.ChannelOut, a.ChannelIn - b.ChannelIn);
    }

    public static Reading Read() => new(Interlocked.Read(ref _akkaOut), Interlocked.Read(ref _akkaIn),
        Interlocked.Read(ref _channelOut), Interlocked.Read(ref _channelIn));
}
