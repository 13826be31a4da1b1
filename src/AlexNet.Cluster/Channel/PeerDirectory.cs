using System.Collections.Concurrent;
using System.Security.Cryptography;
using AlexNet.Cluster.Protocol;

namespace AlexNet.Cluster.Channel;

/// <summary>
/// The peers whose connections this node's data channel accepts: nodes the cluster introduced
/// (over Akka.Remote) with the token they will present. Thread-safe: read by the listener's threads.
/// </summary>
public sealed class PeerDirectory
{
    private readonly ConcurrentDictionary<string, byte[]> _tokens = new(StringComparer.Ordinal);

    public void Admit(ChannelPoint peer) => _tokens[peer.Node] = peer.Token.ToArray();

    public void Revoke(string node) => _tokens.TryRemove(node, out _);

    public bool IsAdmitted(string node, byte[] token) =>
        _tokens.TryGetValue(node, out var expected) && CryptographicOperations.FixedTimeEquals(expected, token);

    /// <summary>A fresh random token for this node's own channel point.</summary>
    public static byte[] NewToken() => RandomNumberGenerator.GetBytes(32);
}
