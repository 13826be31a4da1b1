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
/// link's users, who decide what a lost transfer means.
/// </summary>
public sealed class PeerLink : IDisposable
{
    private readonly Channel<(string Target, object Message, Action? Written)> _queue =
        System.Threading.Channels.Channel.CreateUnbounded<(string, object, Action?)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ChannelPoint _self;
    private readonly MessageCodec _codec;
    private readonly TimeSpan _connectTimeout;
    private readonly Action<PeerLink, string> _onFailure;
    private readonly CancellationTokenSource _stop = new();
    private int _failed;

    public ChannelPoint Peer { get; }
    public Task Completion { get; }

    public PeerLink(ChannelPoint self, ChannelPoint peer, MessageCodec codec, TimeSpan connectTimeout, Action<PeerLink, string> onFailure)
    {
        _self = self;
        Peer = peer;
        _codec = codec;
        _connectTimeout = connectTimeout;
        _onFailure = onFailure;
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
            using (var connect = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token))
            {
                connect.CancelAfter(_connectTimeout);
                await client.ConnectAsync(Peer.Host, Peer.Port, connect.Token);
                var stream = client.GetStream();
                await stream.WriteAsync(FrameFormat.Hello(_self.Node, _self.Token), connect.Token);
                var answer = new byte[1];
                await stream.ReadExactlyAsync(answer, connect.Token);
                if (answer[0] != FrameFormat.Admitted) throw new IOException($"{Peer.Node} refused this node's data channel");
            }
            var net = client.GetStream();
            _ = WatchForCloseAsync(net);
            var frame = new FramePayload(FrameFormat.HeaderBytes);
            await foreach (var (target, message, written) in _queue.Reader.ReadAllAsync(_stop.Token))
            {
                var w = new WireWriter(frame);
                w.String(target);
                w.String(_codec.Manifest(message));
                _codec.Write(w, message);
                FrameFormat.WriteHeader(frame.Header, frame.PayloadLength);
                await frame.WriteToAsync(net, _stop.Token);
                WireMeter.ChannelOut(FrameFormat.HeaderBytes + frame.PayloadLength);
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

    /// <summary>
    /// The peer never writes after admitting this node, so a read that ends means it closed the connection or
    /// it broke. Noticed now, not at the next write (which a closed socket may even accept): the users hear at once.
    /// </summary>
    private async Task WatchForCloseAsync(NetworkStream net)
    {
        var one = new byte[1];
        try
        {
            int read = await net.ReadAsync(one, _stop.Token);
            if (read == 0) Fail("the peer closed the connection");
            else Fail("the peer sent data on a connection it only reads from");
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
