using Akka.Cluster;
using Akka.Util;

namespace AlexNet.Cluster.Wire;

/// <summary>
/// The version of the messages between nodes. Bump <see cref="Version"/> (and akka.cluster.app-version
/// in hocon/cluster.conf, which a test keeps equal) whenever a codec writes or reads differently:
/// nodes of different versions would misread each other's messages, so the run host refuses them.
/// <see cref="Protocol.NodeRefused"/>'s encoding (one string) must never change, so a refusal always arrives.
/// </summary>
public static class WireProtocol
{
    /// <summary>
    /// 2: BeginStep carries the fp16 loss scale, BackwardDone whether gradients are finite, ApplyUpdate a skip flag.
    /// 3: a node's profile (Enlist, NodeOffer) carries the training settings that decide the run.
    /// 4: a tower node stopped by a signal asks the run host to checkpoint the run first (ReleaseTowerNode).
    /// </summary>
    public const int Version = 4;

    /// <summary>Null when <paramref name="node"/> speaks this node's protocol; otherwise why it is refused.</summary>
    public static string? Refusal(AppVersion mine, AppVersion node) =>
        node.Equals(mine) ? null
            : $"it speaks wire protocol {Major(node)}, the coordinator {Major(mine)} (akka.cluster.app-version {node} and {mine}): run the same alexnet build on every node";

    private static string Major(AppVersion v) => v.ToString().Split('.')[0];
}
