using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using AlexNet.Cluster.Wire;

namespace AlexNet.Cluster.Channel;

/// <summary>
/// Accepts peers' data-channel connections. A connection must open with a hello naming a node the
/// <see cref="PeerDirectory"/> admits, with that node's token, within the handshake timeout;
/// anything else is answered "refused" and closed. Each admitted connection gets a reader thread
/// that decodes frames (only kinds <see cref="MessageCodec"/> knows) and hands each message to the
/// addressed local endpoint; a malformed frame closes the connection. When an admitted peer's
/// connection ends (the peer closed it, died, sent garbage, or sent nothing, not even a heartbeat, for the
/// silence timeout: <see cref="LinkLiveness"/>) the <c>onPeerClosed</c> callback given to <see cref="Start"/>
/// hears of it: that peer can no longer send to this node. Each admitted connection is also written one
/// heartbeat byte every heartbeat interval, so the peer knows this end is alive.
/// </summary>
public sealed class ChannelListener : IDisposable
{
    private readonly TcpListener _listener;
    private readonly PeerDirectory _peers;
    private readonly EndpointRegistry _endpoints;
    private readonly MessageCodec _codec;
    private readonly ExtendedActorSystem? _system;
    private readonly long _maxFrame;
    private readonly TimeSpan _handshakeTimeout;
    private readonly Action<string> _log;
    private readonly LinkLiveness _liveness;
    private readonly ChannelTls? _tls;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _clients = new();
    private readonly Dictionary<string, int> _openFrom = new(); // admitted connections per peer node
    private readonly AlexNet.Data.PixelBufferPool? _pixelBuffers;
    private Action<string, string> _onPeerClosed = (_, _) => { };

    /// <summary>Binds at once (port 0: any free port; see <see cref="Port"/>); call <see cref="Start"/> to accept.</summary>
    /// <param name="pixelBuffers">Where arriving batches' pixel buffers come from (see <see cref="WireReader"/>); none: fresh arrays.</param>
    /// <param name="liveness">Heartbeats and the silence after which a connection is closed; null: <see cref="LinkLiveness.Default"/>.</param>
    /// <param name="tls">TLS for every connection (alexnet.cluster.tls); null: plain TCP.</param>
    public ChannelListener(string host, int port, PeerDirectory peers, EndpointRegistry endpoints, MessageCodec codec,
        ExtendedActorSystem? system, long maxFrame, TimeSpan handshakeTimeout, Action<string> log, AlexNet.Data.PixelBufferPool? pixelBuffers = null,
        LinkLiveness? liveness = null, ChannelTls? tls = null)
    {
        _tls = tls;
        _pixelBuffers = pixelBuffers;
        _liveness = liveness ?? LinkLiveness.Default;
        var address = IPAddress.TryParse(host, out var ip) ? ip : Dns.GetHostAddresses(host).First(a => a.AddressFamily == AddressFamily.InterNetwork);
        _listener = new TcpListener(address, port);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        (_peers, _endpoints, _codec, _system, _maxFrame, _handshakeTimeout, _log) = (peers, endpoints, codec, system, maxFrame, handshakeTimeout, log);
    }

    public int Port { get; }

    /// <param name="onPeerClosed">Called (on a reader thread) with the node and the reason when an admitted peer's connection ends.</param>
    public void Start(Action<string, string>? onPeerClosed = null)
    {
        if (onPeerClosed is not null) _onPeerClosed = onPeerClosed;
        _ = Task.Run(AcceptLoop);
    }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) when (_stop.IsCancellationRequested) { return; }
            catch (SocketException e) { _log($"data channel: accept failed: {e.Message}"); continue; }
            lock (_clients) _clients.Add(client);
            new Thread(() => Serve(client)) { IsBackground = true, Name = "data-channel-reader" }.Start();
        }
    }

    private void Serve(TcpClient client)
    {
        var remote = client.Client.RemoteEndPoint?.ToString() ?? "?";
        string? admitted = null;
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token); // ends this connection's heartbeats
        try
        {
            client.NoDelay = true;
            client.ReceiveBufferSize = 1 << 20;
            var socket = client.GetStream();
            socket.ReadTimeout = (int)_handshakeTimeout.TotalMilliseconds;
            socket.WriteTimeout = (int)_handshakeTimeout.TotalMilliseconds; // the TLS handshake writes too
            Stream net = socket;
            string node;
            try
            {
                if (_tls is not null) net = _tls.Accept(socket);
                (node, var token) = FrameFormat.ReadHello(net);
                if (!_peers.IsAdmitted(node, token))
                {
                    // Logged first: the refused side may act on the answer before a later line would be written.
                    _log($"data channel: refused a connection from {remote} claiming to be {node}: not a peer this cluster introduced");
                    net.WriteByte(FrameFormat.Refused);
                    return;
                }
            }
            catch (Exception e) when (e is IOException or InvalidDataException or EndOfStreamException or System.Security.Authentication.AuthenticationException)
            {
                _log($"data channel: refused a connection from {remote}: {(e is System.Security.Authentication.AuthenticationException ? "TLS: " : "")}{e.Message}");
                return;
            }
            net.WriteByte(FrameFormat.Admitted);
            admitted = node;
            lock (_openFrom) _openFrom[node] = _openFrom.GetValueOrDefault(node) + 1;
            _ = HeartbeatAsync(net, connection.Token);
            socket.WriteTimeout = Timeout.Infinite;
            socket.ReadTimeout = (int)_liveness.SilenceTimeout.TotalMilliseconds; // the peer writes at least a heartbeat frame in each interval
            var input = new BufferedStream(net, 1 << 20);
            var header = new byte[FrameFormat.HeaderBytes];
            while (!_stop.IsCancellationRequested)
            {
                int first = input.Read(header, 0, header.Length);
                if (first == 0) // the peer closed the connection
                {
                    if (!_stop.IsCancellationRequested) Closed(node, "it closed its data-channel connection to this node");
                    return;
                }
                input.ReadExactly(header, first, header.Length - first);
                long length = FrameFormat.ReadHeader(header, _maxFrame);
                if (length == 0) continue; // a heartbeat
                var reader = new WireReader(input, length, _system, _pixelBuffers);
                var target = reader.String();
                var manifest = reader.String();
                var message = _codec.Read(manifest, reader);
                WireMeter.ChannelIn(FrameFormat.HeaderBytes + length);
                if (!_endpoints.Deliver(target, message))
                    _log($"data channel: a {manifest} message from {node} for {target}, which is not here, was dropped");
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or EndOfStreamException or ObjectDisposedException or SocketException)
        {
            if (_stop.IsCancellationRequested) return;
            var why = TimedOut(e)
                ? $"nothing arrived for {_liveness.SilenceTimeout.TotalSeconds:0.#} s (alexnet.cluster.data-channel.silence-timeout): the connection is black-holed or the peer hangs"
                : e.Message;
            _log($"data channel: connection from {remote} closed: {why}");
            if (admitted is not null) Closed(admitted, $"its data-channel connection to this node failed: {why}");
        }
        finally
        {
            connection.Cancel();
            if (admitted is not null) lock (_openFrom) if (--_openFrom[admitted] == 0) _openFrom.Remove(admitted);
            lock (_clients) _clients.Remove(client);
            client.Dispose();
        }
    }

    /// <summary>A read that timed out: the socket's error, however many streams (TLS, buffering) wrap it.</summary>
    private static bool TimedOut(Exception? e) =>
        e is not null && (e is SocketException { SocketErrorCode: SocketError.TimedOut } || TimedOut(e.InnerException));

    /// <summary>
    /// Tells of a peer's ended connection unless the peer has a newer one open: it replaced a connection this end
    /// noticed late (silent ones end here only after the silence timeout), and can still send to this node.
    /// </summary>
    private void Closed(string node, string reason)
    {
        lock (_openFrom)
            if (_openFrom.GetValueOrDefault(node) > 1)
            {
                _log($"data channel: an older connection from {node} ended ({reason}); it has a newer one");
                return;
            }
        _onPeerClosed(node, reason);
    }

    /// <summary>One heartbeat byte every interval on an admitted connection; a failed write is left to the reader to notice.</summary>
    private async Task HeartbeatAsync(Stream net, CancellationToken connection)
    {
        var beat = new[] { FrameFormat.Heartbeat };
        try
        {
            while (true)
            {
                await Task.Delay(_liveness.HeartbeatInterval, connection);
                await net.WriteAsync(beat, connection);
            }
        }
        catch (Exception) { } // the connection ended
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_clients) foreach (var c in _clients) c.Dispose();
    }
}
