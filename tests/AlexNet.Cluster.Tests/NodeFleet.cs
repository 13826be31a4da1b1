using Xunit.Abstractions;

namespace AlexNet.Cluster.Tests;

/// <summary>
/// The node processes one test starts, in a temporary folder of their own (their working directory).
/// At the end each node's output goes to the test's log, the processes are stopped and the folder removed.
/// </summary>
internal sealed class NodeFleet(string prefix, ITestOutputHelper output) : IDisposable
{
    private readonly List<NodeProcess> _nodes = new();

    public string Dir { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

    public IReadOnlyList<NodeProcess> Nodes => _nodes;

    public NodeProcess Start(string name, IEnumerable<string> args)
    {
        var node = new NodeProcess(name, args, Dir);
        _nodes.Add(node);
        return node;
    }

    /// <summary>`node --roles R --port P [--seed-nodes S]`: the start of every node's command line.</summary>
    public static IEnumerable<string> NodeArgs(string roles, int port, string? seeds) =>
        new[] { "node", "--roles", roles, "--port", port.ToString() }.Concat(seeds is null ? Array.Empty<string>() : new[] { "--seed-nodes", seeds });

    public void Dispose()
    {
        foreach (var n in _nodes)
        {
            output.WriteLine($"---- {n.Name}\n{n.Output}");
            n.Dispose();
        }
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}
