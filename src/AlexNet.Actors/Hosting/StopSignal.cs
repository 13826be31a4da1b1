using AlexNet.Actors.Protocol;

namespace AlexNet.Actors.Hosting;

/// <summary>
/// Asks a local run to stop where it can resume from (<see cref="StopTraining"/>): the `train`
/// command's answer to SIGINT and SIGTERM. A request made before the run's coordinator exists is
/// delivered when it does.
/// </summary>
public sealed class StopSignal
{
    private readonly object _lock = new();
    private Action<StopTraining>? _send;
    private StopTraining? _pending;

    public bool Requested { get { lock (_lock) return _pending is not null; } }

    public void Request(string reason)
    {
        Action<StopTraining>? send;
        StopTraining message;
        lock (_lock)
        {
            if (_pending is not null) return;
            _pending = message = new StopTraining(reason);
            send = _send;
        }
        send?.Invoke(message);
    }

    internal void Attach(Action<StopTraining> send)
    {
        StopTraining? pending;
        lock (_lock) { _send = send; pending = _pending; }
        if (pending is not null) send(pending);
    }
}
