using Akka.Configuration;
using AlexNet.Actors.Hosting;

namespace AlexNet.Cluster.Hosting;

/// <summary>
/// Builds a node's configuration: hocon/cluster.conf under the user's layers, the environment
/// variables that containers set, and the Akka keys derived from alexnet.cluster.
/// </summary>
public static class ClusterConfig
{
    /// <summary>Environment variable → alexnet.cluster key, and whether its value is a comma-separated list.</summary>
    public static readonly (string Variable, string Key, bool IsList)[] Environment =
    {
        ("ALEXNET_ROLES", "alexnet.cluster.roles", true),
        ("ALEXNET_HOSTNAME", "alexnet.cluster.hostname", false),
        ("ALEXNET_PUBLIC_HOSTNAME", "alexnet.cluster.public-hostname", false),
        ("ALEXNET_PORT", "alexnet.cluster.port", false),
        ("ALEXNET_SEED_NODES", "alexnet.cluster.seed-nodes", true),
        ("ALEXNET_DEVICES", "alexnet.cluster.devices", true),
        ("ALEXNET_DATA_PORT", "alexnet.cluster.data-channel.port", false),
        ("ALEXNET_DATA_PUBLIC_PORT", "alexnet.cluster.data-channel.public-port", false),
        ("ALEXNET_TLS", "alexnet.cluster.tls.enabled", false),
        ("ALEXNET_TLS_CERTIFICATE", "alexnet.cluster.tls.certificate-path", false),
        ("ALEXNET_TLS_PASSWORD", "alexnet.cluster.tls.certificate-password", false),
    };

    /// <summary>Overrides (key → HOCON value) from the variables that are set.</summary>
    public static Dictionary<string, string> FromEnvironment(Func<string, string?> read)
    {
        var result = new Dictionary<string, string>();
        foreach (var (variable, key, isList) in Environment)
            if (read(variable) is { Length: > 0 } value) result[key] = isList ? ListValue(value) : HoconFiles.Value(value);
        return result;
    }

    /// <summary>"a,b" → ["a", "b"] as HOCON.</summary>
    public static string ListValue(string commaSeparated) =>
        "[" + string.Join(", ", commaSeparated.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"")) + "]";

    /// <summary>hocon/cluster.conf, the lowest layer above alexnet.conf.</summary>
    public static Config Defaults => ConfigurationFactory.ParseString(HoconFiles.Read("cluster.conf"));

    /// <summary>The Akka keys that follow from alexnet.cluster, layered over <paramref name="config"/>.</summary>
    public static Config WithAkka(Config config, ClusterSettings s)
    {
        var lines = new List<string>
        {
            $"akka.remote.dot-netty.tcp.hostname = {Quote(s.Hostname)}",
            $"akka.remote.dot-netty.tcp.public-hostname = {Quote(s.AdvertisedHost)}",
            $"akka.remote.dot-netty.tcp.port = {s.Port}",
            $"akka.cluster.roles = [{string.Join(", ", s.Roles.Select(Quote))}]",
            $"akka.cluster.seed-nodes = [{string.Join(", ", s.SeedNodes.Select(Quote))}]",
            $"akka.remote.dot-netty.tcp.enable-ssl = {(s.Tls.Enabled ? "on" : "off")}",
            // Akka then runs CoordinatedShutdown with ClusterJoinUnsuccessfulReason, which ClusterNode reports.
            $"akka.cluster.shutdown-after-unsuccessful-join-seed-nodes = {(s.JoinTimeout is { } t ? $"{(long)t.TotalMilliseconds}ms" : "off")}",
            // A node's first shutdown phase waits for the run's checkpoint (ClusterNode, RunHost.Leaving).
            $"akka.coordinated-shutdown.phases.before-service-unbind.timeout = {(long)(s.HandOver + TimeSpan.FromSeconds(5)).TotalMilliseconds}ms",
        };
        if (s.Tls.Enabled)
        {
            lines.Add($"akka.remote.dot-netty.tcp.ssl.certificate.path = {Quote(s.Tls.CertificatePath)}");
            lines.Add($"akka.remote.dot-netty.tcp.ssl.certificate.password = {Quote(s.Tls.CertificatePassword)}");
            lines.Add($"akka.remote.dot-netty.tcp.ssl.suppress-validation = {(s.Tls.SuppressValidation ? "on" : "off")}");
        }
        return ConfigurationFactory.ParseString(string.Join("\n", lines)).WithFallback(config);
    }

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
