using System.Text.RegularExpressions;
using Akka.Util;
using AlexNet.Actors.Hosting;
using AlexNet.Cluster.Wire;
using Xunit;

namespace AlexNet.Cluster.Tests;

/// <summary>Nodes compare their wire protocol versions (akka.cluster.app-version) before anything else is sent.</summary>
public class WireProtocolTests
{
    [Fact]
    public void Cluster_conf_announces_the_codec_s_version()
    {
        var value = Regex.Match(HoconFiles.Read("cluster.conf"), "app-version = \"([^\"]+)\"").Groups[1].Value;
        Assert.Equal($"{WireProtocol.Version}.0.0", value);
    }

    [Fact]
    public void A_node_of_the_same_version_is_welcome_and_another_is_refused_naming_both()
    {
        var mine = AppVersion.Create($"{WireProtocol.Version}.0.0");
        Assert.Null(WireProtocol.Refusal(mine, AppVersion.Create($"{WireProtocol.Version}.0.0")));
        var refusal = WireProtocol.Refusal(mine, AppVersion.Create("1.0.0"));
        Assert.Equal($"it speaks wire protocol 1, the coordinator {WireProtocol.Version} (akka.cluster.app-version 1.0.0 and {WireProtocol.Version}.0.0): " +
                     "run the same alexnet build on every node", refusal);
    }
}
