using System.Net.Sockets;
using System.Threading.Channels;
using AlexNet.Cluster.Protocol;
using AlexNet.Cluster.Wire;

namespace AlexNet.Cluster.Channel;

/// <summary>
/// This node's outgoing TCP connection to one peer node's data channel. Messages are queued by
/// any thread (<see cref="Send"/>) and written in order by one writer task, which connects first
/// (hello, then waits to be admitted). Any failure ends the link: <c>onFailure</c> is called once
/// and what was still queued is dropped; the owner (<see cref="DataChannelActor"/>) tells the
/// link's users, who decide what a lost transfer means. Silence fails it too (<see cref="LinkLiveness"/>):
/// an empty frame goes out whenever nothing else did for a heartbeat interval, and the peer's heartbeat
/// bytes must keep arriving.
/// </summary>
public sealed class PeerLink : IDisposable
{
    private readonly Channel<(string Target, object Message, Action? Written)> _queue =
        System.Threading.Channels.Channel.CreateUnbounded<(string, object, Action?)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ChannelPoint _self;
    private readonly MessageCodec _codec;
    private readonly TimeSpan _connectTimeout;
    private readonly Action<PeerLink, string> _onFailure;
    private readonly LinkLiveness _liveness;
    private readonly ChannelTls? _tls;
    private readonly CancellationTokenSource _stop = new();
    private int _failed;
    private long _lastWrite = Environment.TickCount64;
    private int _heartbeatQueued;
    private static readonly object HeartbeatFrame = new();

    public ChannelPoint Peer { get; }
    public Task Completion { get; }

    /// <param name="liveness">Heartbeats and the silence after which the link fails; null: <see cref="LinkLiveness.Default"/>.</param>
    /// <param name="tls">TLS for the connection (alexnet.cluster.tls); null: plain TCP.</param>
    public PeerLink(ChannelPoint self, ChannelPoint peer, MessageCodec codec, TimeSpan connectTimeout, Action<PeerLink, string> onFailure,
        LinkLiveness? liveness = null, ChannelTls? tls = null)
    {
        _tls = tls;
        _self = self;
        Peer = peer;
        _codec = codec;
        _connectTimeout = connectTimeout;
        _onFailure = onFailure;
        _liveness = liveness ?? LinkLiveness.Default;
        Completion = Task.Run(RunAsync);
    }

    /// <summary>
    /// Queues <paramref name="message"/> for the endpoint <paramref name="target"/> on the peer; false once the link has ended.
    /// <paramref name="written"/>, if given, is called (on the link's writer task) once the whole frame is in the socket,
    /// so the message's arrays may be reused from then on; it is never called for a frame the link failed to write.
    /// </summary>
    public bool Send(string target, object message, Action? written = null) => _queue.Writer.TryWrite((target, message, written));

    private async Task RunAsync()
    {
        try
        {
            using var client = new TcpClient { NoDelay = true, SendBufferSize = 1 << 20 };
            Stream net;
            using (var connect = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token))
            {
                connect.CancelAfter(_connectTimeout);
                await client.ConnectAsync(Peer.Host, Peer.Port, connect.Token);
                net = client.GetStream();
                if (_tls is not null) net = await _tls.ConnectAsync(net, connect.Token);
                await net.WriteAsync(FrameFormat.Hello(_self.Node, _self.Token), connect.Token);
                var answer = new byte[1];
                await net.ReadExactlyAsync(answer, connect.Token);
                if (answer[0] != FrameFormat.Admitted) throw new IOException($"{Peer.Node} refused this node's data channel");
            }
            _ = WatchForCloseAsync(net);
            _ = HeartbeatAsync();
            var frame = new FramePayload(FrameFormat.HeaderBytes);
            var heartbeat = new byte[FrameFormat.HeaderBytes];
            FrameFormat.WriteHeader(heartbeat, 0);
            await foreach (var (target, message, written) in _queue.Reader.ReadAllAsync(_stop.Token))
            {
                if (ReferenceEquals(message, HeartbeatFrame))
                {
                    Volatile.Write(ref _heartbeatQueued, 0);
                    await net.WriteAsync(heartbeat, _stop.Token);
                    Volatile.Write(ref _lastWrite, Environment.TickCount64);
                    continue;
                }
                var w = new WireWriter(frame);
                w.String(target);
                w.String(_codec.Manifest(message));
                _codec.Write(w, message);
                FrameFormat.WriteHeader(frame.Header, frame.PayloadLength);
                await frame.WriteToAsync(net, _stop.Token);
                WireMeter.ChannelOut(FrameFormat.HeaderBytes + frame.PayloadLength);
                Volatile.Write(ref _lastWrite, Environment.TickCount64);
                frame.Clear(); // drops the attached arrays before their owner may reuse them
                written?.Invoke();
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested) { }
        catch (Exception e)
        {
            Fail($"{e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>Queues an empty frame whenever nothing was written for a heartbeat interval, so the peer hears this end is alive.</summary>
    private async Task HeartbeatAsync()
    {
        long interval = (long)_liveness.HeartbeatInterval.TotalMilliseconds;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                await Task.Delay(_liveness.HeartbeatInterval, _stop.Token);
                if (Environment.TickCount64 - Volatile.Read(ref _lastWrite) >= interval && Interlocked.Exchange(ref _heartbeatQueued, 1) == 0)
                    if (!_queue.Writer.TryWrite((string.Empty, HeartbeatFrame, null))) return; // the link ended
            }
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>
    /// After admitting this node the peer writes only heartbeat bytes. A read that ends means it closed the connection
    /// or it broke: noticed now, not at the next write (which a closed socket may even accept). No byte for the silence
    /// timeout means the connection is black-holed or the peer hangs. Either way the users hear at once.
    /// </summary>
    private async Task WatchForCloseAsync(Stream net)
    {
        var bytes = new byte[64];
        try
        {
            while (true)
            {
                int read;
                using (var silence = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token))
                {
                    silence.CancelAfter(_liveness.SilenceTimeout);
                    try { read = await net.ReadAsync(bytes, silence.Token); }
                    catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
                    {
                        Fail($"nothing heard from the peer for {_liveness.SilenceTimeout.TotalSeconds:0.#} s " +
                             "(alexnet.cluster.data-channel.silence-timeout): the connection is black-holed or the peer hangs");
                        return;
                    }
                }
                if (read == 0) { Fail("the peer closed the connection"); return; }
                if (bytes.AsSpan(0, read).ContainsAnyExcept(FrameFormat.Heartbeat)) { Fail("the peer sent something other than heartbeats"); return; }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested) { }
        catch (Exception e) when (!_stop.IsCancellationRequested)
        {
            Fail($"{e.GetType().Name}: {e.Message}");
        }
        catch (Exception) { }
    }

    private void Fail(string reason)
    {
        _queue.Writer.TryComplete();
        if (Interlocked.Exchange(ref _failed, 1) == 0) _onFailure(this, reason);
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref _failed, 1);
        _queue.Writer.TryComplete();
        _stop.Cancel();
    }
}
