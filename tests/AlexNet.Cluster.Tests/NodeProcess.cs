using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace AlexNet.Cluster.Tests;

/// <summary>
/// One `alexnet` process started by a test (the program built next to this assembly), with its
/// output collected line by line. Disposing kills it if it is still running.
/// </summary>
internal sealed class NodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = new();
    private readonly object _gate = new();

    public string Name { get; }

    public NodeProcess(string name, IEnumerable<string> args, string? workingDirectory = null)
    {
        Name = name;
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "alexnet.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (workingDirectory is not null) psi.WorkingDirectory = workingDirectory;
        _process = new Process { StartInfo = psi };
        _process.OutputDataReceived += (_, e) => Add(e.Data);
        _process.ErrorDataReceived += (_, e) => Add(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    private void Add(string? line)
    {
        if (line is null) return;
        lock (_gate)
        {
            _lines.Add(line);
            Monitor.PulseAll(_gate);
        }
    }

    public string Output { get { lock (_gate) return string.Join("\n", _lines); } }

    /// <summary>How many output lines have arrived so far.</summary>
    public int LineCount { get { lock (_gate) return _lines.Count; } }

    /// <summary>The output's line <paramref name="index"/> (as <see cref="LineCount"/> counts them).</summary>
    public string Line(int index) { lock (_gate) return _lines[index]; }

    /// <summary>
    /// Waits until some output line (from line <paramref name="fromLine"/> on) matches; false on timeout
    /// or when the process ended first.
    /// </summary>
    public bool WaitFor(Func<string, bool> match, TimeSpan timeout, int fromLine = 0) => WaitForLine(match, timeout, fromLine) >= 0;

    /// <summary>As <see cref="WaitFor"/>, giving the index of the first matching line (-1 for none).</summary>
    public int WaitForLine(Func<string, bool> match, TimeSpan timeout, int fromLine = 0)
    {
        var deadline = DateTime.UtcNow + timeout;
        lock (_gate)
        {
            int seen = fromLine;
            while (true)
            {
                for (; seen < _lines.Count; seen++) if (match(_lines[seen])) return seen;
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero || _process.HasExited && seen == _lines.Count) return -1;
                Monitor.Wait(_gate, TimeSpan.FromMilliseconds(Math.Min(250, left.TotalMilliseconds)));
            }
        }
    }

    /// <summary>The exit code; throws (with the output) when the process does not end in time.</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
            throw new TimeoutException($"{Name} did not finish in {timeout}:\n{Output}");
        _process.WaitForExit(); // flush the output events
        return _process.ExitCode;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    /// <summary>SIGTERM: the node leaves the cluster gracefully (CoordinatedShutdown) and exits.</summary>
    public void Terminate() => kill(_process.Id, 15);

    /// <summary>SIGSTOP: the process stops answering anyone (a hung or overloaded machine) until it is killed; its peers still count it as up until their failure detector says otherwise.</summary>
    public void Freeze() => kill(_process.Id, 19);

    public bool HasExited => _process.HasExited;

    /// <summary>SIGKILL: the process dies at once, without leaving the cluster or closing anything.</summary>
    public void Kill()
    {
        kill(_process.Id, 9);
        _process.WaitForExit();
    }

    /// <summary>The highest step number printed so far ("step N ..." lines of the coordinator's progress), 0 if none.</summary>
    public int LastStep() =>
        Output.Split('\n').Where(l => l.StartsWith("step ")).Select(l => int.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]))
            .DefaultIfEmpty(0).Max();

    public void Dispose()
    {
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }

    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
