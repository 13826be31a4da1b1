using System.Net;
using System.Net.Sockets;

namespace AlexNet.Cluster.Tests;

/// <summary>
/// A TCP relay on loopback: whatever connects to <see cref="Port"/> is connected through to the target port.
/// <see cref="Cut"/> drops every connection open at that moment, as a network cut or a NAT forgetting them
/// would, while new connections still get through. <see cref="Freeze"/> black-holes them instead: no byte passes
/// either way any more, and neither end hears a close or a reset.
/// </summary>
internal sealed class TcpRelay : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _target;
    private readonly List<(TcpClient From, TcpClient To)> _pairs = new();
    private readonly HashSet<TcpClient> _frozen = new();
    private readonly MemoryStream? _captured;
    private readonly CancellationTokenSource _stop = new();

    public int Port { get; }

    /// <summary>How many connections came through so far.</summary>
    public int Connections { get; private set; }

    /// <param name="capture">Keep a copy of every byte that passes, either way (<see cref="Captured"/>): what a wiretap would see.</param>
    public TcpRelay(int target, bool capture = false)
    {
        _target = target;
        if (capture) _captured = new MemoryStream();
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = AcceptAsync();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient from;
            try { from = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            var to = new TcpClient();
            try { await to.ConnectAsync(IPAddress.Loopback, _target); }
            catch (SocketException) { from.Dispose(); to.Dispose(); continue; }
            lock (_pairs) { _pairs.Add((from, to)); Connections++; }
            _ = PumpAsync(from, to);
            _ = PumpAsync(to, from);
        }
    }

    private async Task PumpAsync(TcpClient source, TcpClient sink)
    {
        var buffer = new byte[1 << 16];
        try
        {
            while (true)
            {
                int read = await source.GetStream().ReadAsync(buffer, _stop.Token);
                if (read == 0) break;
                bool frozen;
                lock (_pairs) frozen = _frozen.Contains(source);
                if (frozen) await Task.Delay(Timeout.Infinite, _stop.Token); // holds the bytes; reads no more, so the sender's buffers fill
                if (_captured is not null) lock (_captured) _captured.Write(buffer, 0, read);
                await sink.GetStream().WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception) { } // cut, disposed, or the other side closed
        lock (_pairs) if (_frozen.Contains(source)) return; // a black hole closes nothing
        source.Dispose();
        sink.Dispose();
    }

    /// <summary>Every byte that passed so far, in the order the pumps saw them.</summary>
    public byte[] Captured()
    {
        if (_captured is null) throw new InvalidOperationException("this relay does not capture");
        lock (_captured) return _captured.ToArray();
    }

    /// <summary>Black-holes every open connection (both directions); returns how many there were. New connections still get through.</summary>
    public int Freeze()
    {
        lock (_pairs)
        {
            foreach (var (from, to) in _pairs) { _frozen.Add(from); _frozen.Add(to); }
            int n = _pairs.Count;
            _pairs.Clear(); // closed only by Dispose
            return n;
        }
    }

    /// <summary>Closes both ends of every open connection; returns how many there were.</summary>
    public int Cut()
    {
        lock (_pairs)
        {
            int n = _pairs.Count;
            foreach (var (from, to) in _pairs)
            {
                try { if (from.Client is { } socket) socket.LingerState = new LingerOption(true, 0); } // a reset, as a cut connection gets
                catch (ObjectDisposedException) { } // ended already
                from.Dispose();
                to.Dispose();
            }
            _pairs.Clear();
            return n;
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        Cut();
        lock (_pairs) foreach (var c in _frozen) c.Dispose();
    }
}
