using System.Diagnostics;
using AlexNet.Cluster.Hosting;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace AlexNet.Cluster.Tests;

/// <summary>
/// What can be checked of deploy/ without Docker or kubectl: the manifests parse and hang together
/// (selectors, services, seeds, ports, GPU requests, the variables and flags the program reads),
/// the Dockerfile builds from Ubuntu 24.04 with the documented back-end switches, and the local
/// cluster script is valid shell.
/// </summary>
public sealed class DeploymentTests
{
    private static readonly string Repo = FindRepo();

    private static string FindRepo()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "AlexNet.Actors.sln"))) return d.FullName;
        throw new DirectoryNotFoundException("the repository root (AlexNet.Actors.sln) is not above the test folder");
    }

    private static List<YamlMappingNode> Documents()
    {
        var docs = new List<YamlMappingNode>();
        foreach (var file in Directory.GetFiles(Path.Combine(Repo, "deploy", "k8s"), "*.yaml").Where(f => !f.EndsWith("kustomization.yaml")))
        {
            var stream = new YamlStream();
            using var reader = new StreamReader(file);
            stream.Load(reader);
            docs.AddRange(stream.Documents.Select(d => (YamlMappingNode)d.RootNode));
        }
        return docs;
    }

    private static YamlNode At(YamlNode node, params string[] path)
    {
        foreach (var key in path) node = ((YamlMappingNode)node).Children[new YamlScalarNode(key)];
        return node;
    }

    private static string Text(YamlNode node, params string[] path) => ((YamlScalarNode)At(node, path)).Value!;

    private static YamlMappingNode Find(List<YamlMappingNode> docs, string kind, string name) =>
        docs.Single(d => Text(d, "kind") == kind && Text(d, "metadata", "name") == name);

    private static YamlMappingNode Container(YamlMappingNode workload) =>
        (YamlMappingNode)((YamlSequenceNode)At(workload, "spec", "template", "spec", "containers")).Children.Single();

    private static Dictionary<string, string> Env(YamlMappingNode container) =>
        ((YamlSequenceNode)At(container, "env")).Children.Cast<YamlMappingNode>()
            .ToDictionary(e => Text(e, "name"), e => e.Children.ContainsKey(new YamlScalarNode("value")) ? Text(e, "value") : "(from the pod)");

    [Fact]
    public void Kustomization_lists_every_manifest_and_they_all_parse()
    {
        var kustomization = new YamlStream();
        kustomization.Load(new StringReader(File.ReadAllText(Path.Combine(Repo, "deploy", "k8s", "kustomization.yaml"))));
        var listed = ((YamlSequenceNode)At(kustomization.Documents[0].RootNode, "resources")).Children.Select(c => ((YamlScalarNode)c).Value).ToHashSet();
        var files = Directory.GetFiles(Path.Combine(Repo, "deploy", "k8s"), "*.yaml").Select(Path.GetFileName).Where(f => f != "kustomization.yaml").ToHashSet();
        Assert.Equal(files.OrderBy(f => f), listed.OrderBy(f => f));
        Assert.All(Documents(), d => { Text(d, "apiVersion"); Text(d, "kind"); Text(d, "metadata", "name"); });
    }

    [Fact]
    public void Towers_request_gpus_loaders_scale_as_a_deployment_and_everyone_joins_the_headless_seed()
    {
        var docs = Documents();
        var coordinator = Find(docs, "StatefulSet", "alexnet-coordinator");
        var towers = Find(docs, "StatefulSet", "alexnet-tower");
        var loaders = Find(docs, "Deployment", "alexnet-loader");
        var seedService = Find(docs, "Service", "alexnet-coordinator");
        Assert.Equal("None", Text(seedService, "spec", "clusterIP"));
        Assert.Equal("alexnet-coordinator", Text(coordinator, "spec", "serviceName"));
        Assert.Equal("1", Text(At(Container(towers), "resources", "requests"), "nvidia.com/gpu"));
        Assert.Equal("1", Text(At(Container(towers), "resources", "limits"), "nvidia.com/gpu"));

        var knownVariables = ClusterConfig.Environment.Select(e => e.Variable).ToHashSet();
        var roles = new Dictionary<YamlMappingNode, string> { [coordinator] = "coordinator", [towers] = "tower", [loaders] = "loader" };
        foreach (var (workload, role) in roles)
        {
            // The selector matches the pod labels.
            var selector = (YamlMappingNode)At(workload, "spec", "selector", "matchLabels");
            var labels = (YamlMappingNode)At(workload, "spec", "template", "metadata", "labels");
            foreach (var (k, v) in selector.Children) Assert.Equal(((YamlScalarNode)v).Value, ((YamlScalarNode)labels.Children[k]).Value);

            var container = Container(workload);
            var env = Env(container);
            Assert.Equal(role, env["ALEXNET_ROLES"]);
            foreach (var name in env.Keys.Where(n => n.StartsWith("ALEXNET_"))) Assert.Contains(name, knownVariables);
            // The seed is the coordinator StatefulSet's first pod, through its headless service, on its Akka port.
            Assert.Equal("akka.tcp://alexnet@alexnet-coordinator-0.alexnet-coordinator:4053", env["ALEXNET_SEED_NODES"]);
            var ports = ((YamlSequenceNode)At(container, "ports")).Children.Select(p => Text(p, "containerPort")).ToHashSet();
            Assert.Contains(env["ALEXNET_PORT"], ports);
            Assert.Contains(env["ALEXNET_DATA_PORT"], ports);
            Assert.True(env.ContainsKey("ALEXNET_PUBLIC_HOSTNAME"), $"{role} pods must advertise a reachable address");
            // Every node reads the same run configuration.
            var args = ((YamlSequenceNode)At(container, "args")).Children.Select(a => ((YamlScalarNode)a).Value).ToList();
            Assert.Equal("node", args[0]);
            Assert.Equal("/etc/alexnet/run.conf", args[args.IndexOf("--config") + 1]);
        }
        Assert.Equal("$(POD_NAME).alexnet-tower", Env(Container(towers))["ALEXNET_PUBLIC_HOSTNAME"]);
        Assert.Equal("$(POD_IP)", Env(Container(loaders))["ALEXNET_PUBLIC_HOSTNAME"]);
        var runConf = Text(Find(docs, "ConfigMap", "alexnet-run"), "data", "run.conf");
        Akka.Configuration.ConfigurationFactory.ParseString(runConf); // valid HOCON
    }

    [Fact]
    public void The_Dockerfile_runs_on_ubuntu_24_04_and_documents_the_backends()
    {
        var lines = File.ReadAllLines(Path.Combine(Repo, "deploy", "Dockerfile"));
        var froms = lines.Where(l => l.StartsWith("FROM ")).ToList();
        Assert.Equal("FROM ubuntu:24.04", froms[^1]);
        Assert.Contains("noble", froms[0]); // the SDK image of the same Ubuntu release
        Assert.Contains(lines, l => l.StartsWith("ENTRYPOINT [\"/opt/alexnet/alexnet\"]"));
        var text = string.Join("\n", lines);
        Assert.Contains("-p:AlexNetCuda=true", text);
        Assert.Contains("-p:AlexNetBringYourOwnLibTorch=true", text);
        Assert.Contains("EXPOSE 4053 4054", text);
        foreach (var copied in lines.Where(l => l.StartsWith("COPY ") && !l.Contains("--from")).SelectMany(l => l.Split(' ')[1..^1]))
            Assert.True(Path.Exists(Path.Combine(Repo, copied.TrimEnd('/'))), $"the Dockerfile copies {copied}, which is not in the repository");
    }

    [Theory]
    [InlineData("local-cluster.sh")]
    [InlineData("chaos.sh")]
    public void The_deploy_scripts_are_valid_bash(string script)
    {
        var psi = new ProcessStartInfo("bash", new[] { "-n", Path.Combine(Repo, "deploy", script) }) { RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var errors = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, errors);
    }
}
