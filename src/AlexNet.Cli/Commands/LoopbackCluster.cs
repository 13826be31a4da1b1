using System.Diagnostics;
using AlexNet.Cluster.Hosting;

namespace AlexNet.Cli.Commands;

/// <summary>
/// A training run as separate `alexnet node` processes of this program on loopback, for the cluster
/// benchmarks: a coordinator node that starts the cluster and writes report.json, and member nodes
/// that join it. Every node runs in the same working folder; each member's output lines are kept.
/// </summary>
internal static class LoopbackCluster
{
    /// <param name="MemberOutput">Each member's stdout and stderr lines, in the order the members were given.</param>
    public sealed record Outcome(RunReport Report, IReadOnlyList<IReadOnlyList<string>> MemberOutput);

    /// <param name="common">The run's options, given to every node after its own.</param>
    /// <param name="members">Each member's own options (e.g. --roles tower --devices cpu).</param>
    public static Outcome Run(string dir, IReadOnlyList<string> common, IReadOnlyList<string[]> members, TimeSpan limit)
    {
        int port = FreePort();
        var seed = $"akka.tcp://alexnet@127.0.0.1:{port}";
        var children = new List<Process>();
        var output = members.Select(_ => new List<string>()).ToList();
        try
        {
            var coordinator = Spawn(dir, new[] { "node", "--roles", "coordinator", "--port", port.ToString(), "--report", "report.json" }.Concat(common), sink: null);
            children.Add(coordinator);
            for (int m = 0; m < members.Count; m++)
                children.Add(Spawn(dir, new[] { "node" }.Concat(members[m]).Concat(new[] { "--port", "0", "--seed-nodes", seed }).Concat(common), output[m]));
            if (!coordinator.WaitForExit(limit)) throw new TimeoutException($"the cluster run did not finish in {limit.TotalMinutes:F0} minutes");
            var report = RunReport.Read(Path.Combine(dir, "report.json"));
            if (!report.Succeeded) throw new InvalidOperationException($"the cluster run failed: {report.Summary}");
            foreach (var c in children) c.WaitForExit(TimeSpan.FromSeconds(30));
            return new Outcome(report, output.Select(o => { lock (o) return (IReadOnlyList<string>)o.ToList(); }).ToList());
        }
        finally
        {
            foreach (var c in children)
            {
                if (!c.HasExited) c.Kill(entireProcessTree: true);
                c.Dispose();
            }
        }
    }

    /// <summary>Starts this program again (as `dotnet alexnet.dll` or the apphost); its output lines go to <paramref name="sink"/> or nowhere.</summary>
    private static Process Spawn(string dir, IEnumerable<string> args, List<string>? sink)
    {
        var self = Environment.ProcessPath!;
        var psi = new ProcessStartInfo(self) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") psi.ArgumentList.Add(typeof(LoopbackCluster).Assembly.Location);
        foreach (var a in args) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        DataReceivedEventHandler keep = (_, e) =>
        {
            if (sink is not null && e.Data is not null) lock (sink) sink.Add(e.Data);
        };
        p.OutputDataReceived += keep;
        p.ErrorDataReceived += keep;
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private static int FreePort()
    {
        var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        int port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
