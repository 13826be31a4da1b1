using Akka.Configuration;
using AlexNet.Actors.Hosting;
using AlexNet.Cluster.Channel;
using AlexNet.Cluster.Hosting;
using Xunit;

namespace AlexNet.Cluster.Tests;

public sealed class ClusterConfigTests
{
    private static Config Layered(IReadOnlyDictionary<string, string> overrides) =>
        HoconFiles.Load(null, overrides).WithFallback(ClusterConfig.Defaults);

    [Fact]
    public void Defaults_bind_to_loopback_with_the_data_channel_on_and_tls_off()
    {
        var s = ClusterSettings.From(Layered(new Dictionary<string, string>()));
        Assert.Equal("127.0.0.1", s.Hostname);
        Assert.True(s.DataChannel.Enabled);
        Assert.False(s.Tls.Enabled);
        var akka = ClusterConfig.WithAkka(Layered(new Dictionary<string, string>()), s);
        Assert.Equal("127.0.0.1", akka.GetString("akka.remote.dot-netty.tcp.hostname"));
        Assert.False(akka.GetBoolean("akka.remote.dot-netty.tcp.enable-ssl"));
        Assert.Equal("cluster", akka.GetString("akka.actor.provider"));
        Assert.False(akka.GetBoolean("akka.actor.serialization-settings.allow-unregistered-types"));
    }

    [Fact]
    public void Environment_variables_fill_in_and_lists_are_comma_separated()
    {
        var env = new Dictionary<string, string>
        {
            ["ALEXNET_ROLES"] = "tower,loader", ["ALEXNET_DEVICES"] = "cuda:0, cuda:1", ["ALEXNET_PORT"] = "5000",
            ["ALEXNET_SEED_NODES"] = "akka.tcp://alexnet@a:4053,akka.tcp://alexnet@b:4053", ["ALEXNET_PUBLIC_HOSTNAME"] = "tower-0.alexnet-tower",
        };
        var overrides = ClusterConfig.FromEnvironment(v => env.GetValueOrDefault(v));
        var s = ClusterSettings.From(Layered(overrides));
        Assert.Equal(new[] { "tower", "loader" }, s.Roles);
        Assert.Equal(new[] { "cuda:0", "cuda:1" }, s.Devices);
        Assert.Equal(5000, s.Port);
        Assert.Equal(2, s.SeedNodes.Count);
        Assert.Equal("tower-0.alexnet-tower", s.AdvertisedHost);
        var akka = ClusterConfig.WithAkka(Layered(overrides), s);
        Assert.Equal("tower-0.alexnet-tower", akka.GetString("akka.remote.dot-netty.tcp.public-hostname"));
        Assert.Equal(new[] { "tower", "loader" }, akka.GetStringList("akka.cluster.roles"));
    }

    [Fact]
    public void Tls_switches_akka_remote_to_ssl_with_the_certificate()
    {
        var overrides = new Dictionary<string, string>
        {
            ["alexnet.cluster.tls.enabled"] = "on", ["alexnet.cluster.tls.certificate-path"] = "\"/certs/node.pfx\"",
            ["alexnet.cluster.tls.certificate-password"] = "\"secret\"",
        };
        var s = ClusterSettings.From(Layered(overrides));
        var akka = ClusterConfig.WithAkka(Layered(overrides), s);
        Assert.True(akka.GetBoolean("akka.remote.dot-netty.tcp.enable-ssl"));
        Assert.Equal("/certs/node.pfx", akka.GetString("akka.remote.dot-netty.tcp.ssl.certificate.path"));
        Assert.Equal("secret", akka.GetString("akka.remote.dot-netty.tcp.ssl.certificate.password"));
        var e = Assert.Throws<ConfigurationFileException>(() => ClusterSettings.From(Layered(new Dictionary<string, string> { ["alexnet.cluster.tls.enabled"] = "on" })));
        Assert.Contains("certificate-path", e.Message);
    }

    [Theory]
    [InlineData(null, null, 0)]
    [InlineData("7100", null, 7100)]
    [InlineData(null, "7200", 7200)]
    public void The_data_channel_s_public_port_defaults_to_the_listening_port_and_comes_from_a_key_or_the_environment(string? key, string? env, int expected)
    {
        var overrides = ClusterConfig.FromEnvironment(v => v == "ALEXNET_DATA_PUBLIC_PORT" ? env : null);
        if (key is not null) overrides["alexnet.cluster.data-channel.public-port"] = key;
        Assert.Equal(expected, ClusterSettings.From(Layered(overrides)).DataChannel.PublicPort);
    }

    [Theory]
    [InlineData("public-port", "70000")]
    [InlineData("public-port", "-1")]
    [InlineData("port", "65536")]
    public void A_data_channel_port_out_of_range_is_refused_naming_the_key(string key, string value)
    {
        var e = Assert.Throws<ConfigurationFileException>(() =>
            ClusterSettings.From(Layered(new Dictionary<string, string> { [$"alexnet.cluster.data-channel.{key}"] = value })));
        Assert.Contains($"alexnet.cluster.data-channel.{key} = {value}: expected", e.Message);
    }

    [Fact]
    public void The_data_channel_s_heartbeats_default_to_1_s_with_10_s_of_silence_and_come_from_their_keys()
    {
        Assert.Equal(new LinkLiveness(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10)), ClusterSettings.From(Layered(new Dictionary<string, string>())).DataChannel.Liveness);
        var set = ClusterSettings.From(Layered(new Dictionary<string, string>
        {
            ["alexnet.cluster.data-channel.heartbeat-interval"] = "250ms", ["alexnet.cluster.data-channel.silence-timeout"] = "3s",
        }));
        Assert.Equal(new LinkLiveness(TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(3)), set.DataChannel.Liveness);
    }

    [Theory]
    [InlineData("heartbeat-interval", "0s", "expected a positive duration")]
    [InlineData("silence-timeout", "1500ms", "expected at least twice alexnet.cluster.data-channel.heartbeat-interval (1s)")]
    public void A_silence_timeout_a_late_heartbeat_could_reach_is_refused_naming_the_key(string key, string value, string expected)
    {
        var e = Assert.Throws<ConfigurationFileException>(() =>
            ClusterSettings.From(Layered(new Dictionary<string, string> { [$"alexnet.cluster.data-channel.{key}"] = value })));
        Assert.Contains($"alexnet.cluster.data-channel.{key} = {value}: {expected}", e.Message);
    }

    [Fact]
    public void An_unknown_role_is_refused_naming_the_key()
    {
        var e = Assert.Throws<ConfigurationFileException>(() => ClusterSettings.From(Layered(new Dictionary<string, string> { ["alexnet.cluster.roles"] = "[gpu]" })));
        Assert.Contains("alexnet.cluster.roles", e.Message);
    }

    [Theory]
    [InlineData(null, "300000ms")]
    [InlineData("90s", "90000ms")]
    [InlineData("off", "off")]
    public void The_join_timeout_becomes_akka_s_shutdown_after_an_unsuccessful_join(string? value, string akkaValue)
    {
        var overrides = value is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["alexnet.cluster.join-timeout"] = value };
        var s = ClusterSettings.From(Layered(overrides));
        var akka = ClusterConfig.WithAkka(Layered(overrides), s);
        Assert.Equal(akkaValue, akka.GetString("akka.cluster.shutdown-after-unsuccessful-join-seed-nodes"));
    }

    [Theory]
    [InlineData("0s")]
    [InlineData("soon")]
    public void A_bad_join_timeout_is_refused_naming_the_key(string value)
    {
        var e = Assert.Throws<ConfigurationFileException>(() => ClusterSettings.From(Layered(new Dictionary<string, string> { ["alexnet.cluster.join-timeout"] = value })));
        Assert.Contains("alexnet.cluster.join-timeout", e.Message);
    }

    [Theory]
    [InlineData(null, 120.0)]
    [InlineData("45s", 45.0)]
    [InlineData("off", null)]
    public void The_coordinator_timeout_is_two_minutes_unless_set_and_off_waits_for_ever(string? value, double? seconds)
    {
        var overrides = value is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["alexnet.cluster.coordinator-timeout"] = value };
        Assert.Equal(seconds is { } s ? TimeSpan.FromSeconds(s) : null, ClusterSettings.From(Layered(overrides)).CoordinatorTimeout);
    }

    [Theory]
    [InlineData("0s")]
    [InlineData("later")]
    public void A_bad_coordinator_timeout_is_refused_naming_the_key(string value)
    {
        var e = Assert.Throws<ConfigurationFileException>(() => ClusterSettings.From(Layered(new Dictionary<string, string> { ["alexnet.cluster.coordinator-timeout"] = value })));
        Assert.Contains("alexnet.cluster.coordinator-timeout", e.Message);
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("off", false)]
    public void The_checkpoint_lock_is_on_unless_set_off(string? value, bool expected)
    {
        var overrides = value is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["alexnet.cluster.checkpoint-lock"] = value };
        Assert.Equal(expected, ClusterSettings.From(Layered(overrides)).CheckpointLock);
    }

    [Fact]
    public void A_bad_checkpoint_lock_value_is_refused_naming_the_key()
    {
        var e = Assert.Throws<ConfigurationFileException>(() => ClusterSettings.From(Layered(new Dictionary<string, string> { ["alexnet.cluster.checkpoint-lock"] = "maybe" })));
        Assert.Contains("alexnet.cluster.checkpoint-lock = maybe", e.Message);
    }

    [Fact]
    public void A_node_whose_seeds_never_answer_gives_up_after_the_join_timeout_naming_them()
    {
        int nobody = NodeProcess.FreePort();
        using var node = new NodeProcess("lonely", new[] { "node", "--roles", "loader", "--port", "0", "--data", "synthetic",
            "--seed-nodes", $"akka.tcp://alexnet@127.0.0.1:{nobody}", "--join-timeout", "3s" });
        Assert.Equal(1, node.WaitForExit(TimeSpan.FromMinutes(1)));
        Assert.Contains($"could not join the cluster through akka.tcp://alexnet@127.0.0.1:{nobody} within 00:00:03 (alexnet.cluster.join-timeout)", node.Output);
    }

    [Fact]
    public void A_node_not_yet_joined_closes_its_connections_to_the_seeds_every_join_reset_after()
    {
        int nobody = NodeProcess.FreePort();
        using var node = new NodeProcess("lonely", new[] { "node", "--roles", "loader", "--port", "0", "--data", "synthetic",
            "--seed-nodes", $"akka.tcp://alexnet@127.0.0.1:{nobody}", "--join-timeout", "4s", "--join-reset-after", "1s" });
        Assert.Equal(1, node.WaitForExit(TimeSpan.FromMinutes(1)));
        Assert.Contains($"s after asking to join through akka.tcp://alexnet@127.0.0.1:{nobody}: closing this node's connections to them", node.Output);
        Assert.Contains("could not join the cluster through", node.Output);
    }

    [Theory]
    [InlineData("0s")]
    [InlineData("soon")]
    public void A_bad_join_reset_after_is_refused_naming_the_key(string value)
    {
        var e = Assert.Throws<ConfigurationFileException>(() => JoinWatch.ResetAfterOf(Layered(new Dictionary<string, string> { [JoinWatch.Key] = value })));
        Assert.Contains($"{JoinWatch.Key} = ", e.Message);
    }

    [Fact]
    public void A_tower_node_refuses_a_device_this_machine_lacks_before_joining()
    {
        // No GPU in CI (and a test never needs one): cuda:3 is missing here as on a 2-GPU node.
        using var node = new NodeProcess("bad-device", new[] { "node", "--roles", "tower", "--devices", "cpu,cuda:3", "--port", "0" });
        Assert.Equal(2, node.WaitForExit(TimeSpan.FromMinutes(1)));
        Assert.Contains("device 'cuda:3'", node.Output);
    }

    [Fact]
    public void A_second_node_on_a_running_node_s_port_is_refused_naming_the_key()
    {
        // Akka's default (SO_REUSEADDR on Linux) let the second node listen on the same port beside the first.
        int port = NodeProcess.FreePort();
        string[] Args(string dataPort) => new[] { "node", "--roles", "coordinator", "--hostname", "127.0.0.1", "--data", "synthetic",
                                                   "--port", port.ToString(), "--data-port", dataPort };
        using var first = new NodeProcess("first", Args("0"));
        Assert.True(first.WaitFor(l => l.Contains("waiting for"), TimeSpan.FromMinutes(1)), first.Output);
        using var second = new NodeProcess("second", Args("0"));
        Assert.Equal(2, second.WaitForExit(TimeSpan.FromMinutes(1)));
        Assert.Contains($"alexnet node: alexnet.cluster.port = {port}: cannot listen on 127.0.0.1:{port} (Address already in use)", second.Output);
        Assert.DoesNotContain("   at ", second.Output); // no stack trace of Akka's failed bind before that line
    }

    [Fact]
    public void A_data_channel_port_in_use_is_refused_naming_the_key()
    {
        var holder = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        holder.Start();
        try
        {
            int port = ((System.Net.IPEndPoint)holder.LocalEndpoint).Port;
            using var node = new NodeProcess("second", new[] { "node", "--roles", "coordinator", "--hostname", "127.0.0.1", "--data", "synthetic",
                                                               "--port", "0", "--data-port", port.ToString() });
            Assert.Equal(2, node.WaitForExit(TimeSpan.FromMinutes(1)));
            Assert.Contains($"alexnet node: alexnet.cluster.data-channel.port = {port}: cannot listen on 127.0.0.1:{port} (Address already in use)", node.Output);
        }
        finally { holder.Stop(); }
    }

    [Fact]
    public void A_node_stopped_by_sigterm_leaves_the_cluster_and_exits_143()
    {
        using var node = new NodeProcess("stopped", new[] { "node", "--roles", "coordinator,loader", "--port", "0", "--data", "synthetic" });
        Assert.True(node.WaitFor(l => l.Contains("waiting for"), TimeSpan.FromMinutes(1)), node.Output);
        node.Terminate();
        Assert.Equal(143, node.WaitForExit(TimeSpan.FromMinutes(1)));
        Assert.Contains("alexnet node: stopped by a signal after leaving the cluster", node.Output);
    }
}
