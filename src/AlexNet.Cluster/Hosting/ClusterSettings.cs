using Akka.Configuration;
using AlexNet.Actors.Hosting;
using AlexNet.Cluster.Channel;
using AlexNet.Cluster.Wire;

namespace AlexNet.Cluster.Hosting;

/// <summary>Settings of the data channel (alexnet.cluster.data-channel).</summary>
/// <param name="PublicPort">The port peers are told to connect to; 0 = the listening port.</param>
/// <param name="Liveness">Heartbeat interval and silence timeout; null: <see cref="LinkLiveness.Default"/>.</param>
public sealed record DataChannelSettings(bool Enabled, int Port, TimeSpan ConnectTimeout, TimeSpan HandshakeTimeout, long MaximumFrameSize,
    int PublicPort = 0, LinkLiveness? Liveness = null);

/// <summary>TLS for Akka.Remote (alexnet.cluster.tls).</summary>
public sealed record TlsSettings(bool Enabled, string CertificatePath, string CertificatePassword, bool SuppressValidation);

/// <summary>The typed view of alexnet.cluster; a bad value names its key.</summary>
/// <param name="Devices">This node's tower devices; empty = one per model tower on the training device.</param>
/// <param name="JoinTimeout">How long to try joining through the seed nodes; null = for ever.</param>
/// <param name="CoordinatorTimeout">How long a node waits without a run host before it exits with 1; null = for ever.</param>
/// <param name="HandOverTimeout">How long a coordinator or tower node stopped by a signal waits for the run's checkpoint before it leaves (null: the default, 2 minutes).</param>
/// <param name="CheckpointLock">Whether the run host takes the checkpoint folder's lock (alexnet.cluster.checkpoint-lock).</param>
public sealed record ClusterSettings(
    IReadOnlyList<string> Roles, string Hostname, string PublicHostname, int Port, IReadOnlyList<string> SeedNodes,
    IReadOnlyList<string> Devices, WirePrecision Precision, TimeSpan GatherTimeout, DataChannelSettings DataChannel,
    TimeSpan LoaderReadDelay, TlsSettings Tls, RecoverySettings Recovery, TimeSpan? JoinTimeout = null, TimeSpan? CoordinatorTimeout = null,
    TimeSpan? HandOverTimeout = null, bool CheckpointLock = true)
{
    public const string Coordinator = "coordinator", Tower = "tower", Loader = "loader";
    public const string CoordinatorTimeoutKey = "alexnet.cluster.coordinator-timeout";

    /// <summary>alexnet.cluster.coordinator-timeout: a positive duration, or off (null).</summary>
    public static TimeSpan? CoordinatorTimeoutOf(Config c) => DurationOrOff(c, CoordinatorTimeoutKey);

    /// <summary>A key that is a positive duration, or off (null); anything else is refused naming the key.</summary>
    public static TimeSpan? DurationOrOff(Config c, string key)
    {
        TimeSpan? value = Get(c, key, k => c.GetString(k)) is "off" ? null : Get(c, key, k => c.GetTimeSpan(k));
        if (value <= TimeSpan.Zero) throw new ConfigurationFileException($"{key} = {value}: expected a positive duration or off");
        return value;
    }
    public static readonly string[] KnownRoles = { Coordinator, Tower, Loader };

    public bool Has(string role) => Roles.Contains(role);

    public TimeSpan HandOver => HandOverTimeout ?? TimeSpan.FromMinutes(2);

    /// <summary>The host other nodes reach this one at.</summary>
    public string AdvertisedHost => PublicHostname.Length > 0 ? PublicHostname : Hostname;

    public static ClusterSettings From(Config c)
    {
        const string k = "alexnet.cluster";
        var roles = List(c, $"{k}.roles");
        if (roles.Count == 0) throw new ConfigurationFileException($"{k}.roles is empty: expected some of coordinator, tower, loader");
        foreach (var r in roles)
            if (!KnownRoles.Contains(r)) throw new ConfigurationFileException($"{k}.roles contains '{r}': expected coordinator, tower or loader");
        var devices = List(c, $"{k}.devices");
        var precision = Get(c, $"{k}.wire-precision", k2 => c.GetString(k2)) switch
        {
            "full" => WirePrecision.Full,
            "fp16" => WirePrecision.Float16,
            "bf16" => WirePrecision.BFloat16,
            var other => throw new ConfigurationFileException($"{k}.wire-precision = {other}: expected full, fp16 or bf16"),
        };
        int port = Get(c, $"{k}.port", k2 => c.GetInt(k2));
        if (port is < 0 or > 65535) throw new ConfigurationFileException($"{k}.port = {port}: expected 0..65535");
        var channel = new DataChannelSettings(
            Get(c, $"{k}.data-channel.enabled", k2 => c.GetBoolean(k2)), Get(c, $"{k}.data-channel.port", k2 => c.GetInt(k2)),
            Get(c, $"{k}.data-channel.connect-timeout", k2 => c.GetTimeSpan(k2)), Get(c, $"{k}.data-channel.handshake-timeout", k2 => c.GetTimeSpan(k2)),
            Get(c, $"{k}.data-channel.maximum-frame-size", k2 => c.GetLong(k2)), Get(c, $"{k}.data-channel.public-port", k2 => c.GetInt(k2)),
            new LinkLiveness(Get(c, $"{k}.data-channel.heartbeat-interval", k2 => c.GetTimeSpan(k2)), Get(c, $"{k}.data-channel.silence-timeout", k2 => c.GetTimeSpan(k2))));
        if (channel.Port is < 0 or > 65535) throw new ConfigurationFileException($"{k}.data-channel.port = {channel.Port}: expected 0..65535");
        if (channel.PublicPort is < 0 or > 65535)
            throw new ConfigurationFileException($"{k}.data-channel.public-port = {channel.PublicPort}: expected 0 (the listening port) or a port, 1..65535");
        if (channel.Liveness!.HeartbeatInterval <= TimeSpan.Zero)
            throw new ConfigurationFileException($"{k}.data-channel.heartbeat-interval = {c.GetString($"{k}.data-channel.heartbeat-interval")}: expected a positive duration");
        if (channel.Liveness.SilenceTimeout < 2 * channel.Liveness.HeartbeatInterval)
            throw new ConfigurationFileException($"{k}.data-channel.silence-timeout = {c.GetString($"{k}.data-channel.silence-timeout")}: expected at least twice " +
                $"{k}.data-channel.heartbeat-interval ({c.GetString($"{k}.data-channel.heartbeat-interval")}), or a late heartbeat would end a live connection");
        var tls = new TlsSettings(Get(c, $"{k}.tls.enabled", k2 => c.GetBoolean(k2)), Get(c, $"{k}.tls.certificate-path", k2 => c.GetString(k2)),
            Get(c, $"{k}.tls.certificate-password", k2 => c.GetString(k2)), Get(c, $"{k}.tls.suppress-validation", k2 => c.GetBoolean(k2)));
        var recovery = new RecoverySettings(Get(c, $"{k}.recovery.max-restarts", k2 => c.GetInt(k2)),
            Get(c, $"{k}.recovery.wait-for-towers", k2 => c.GetTimeSpan(k2)));
        if (recovery.MaxRestarts < 0) throw new ConfigurationFileException($"{k}.recovery.max-restarts = {recovery.MaxRestarts}: expected 0 (no recovery) or more");
        if (recovery.WaitForTowers <= TimeSpan.Zero) throw new ConfigurationFileException($"{k}.recovery.wait-for-towers = {recovery.WaitForTowers}: expected a positive duration");
        var joinTimeout = DurationOrOff(c, $"{k}.join-timeout");
        var seeds = new List<string>();
        foreach (var seed in List(c, $"{k}.seed-nodes"))
        {
            if (!Akka.Actor.ActorPath.TryParseAddress(seed, out var address) || address.Protocol is not ("akka.tcp" or "akka.ssl.tcp") || address.System != "alexnet"
                || string.IsNullOrEmpty(address.Host) || address.Port is not (> 0 and <= 65535) || seed.TrimEnd('/').IndexOf('/', Math.Max(0, seed.IndexOf('@'))) >= 0)
                throw new ConfigurationFileException($"{k}.seed-nodes contains '{seed}': expected akka.tcp://alexnet@HOST:PORT");
            // With TLS on, Akka.Remote's addresses say akka.ssl.tcp, and it cannot reach an akka.tcp one at all ("no transport
            // is loaded"): a seed is written either way and given to Akka with the protocol this node speaks.
            seeds.Add($"{(tls.Enabled ? "akka.ssl.tcp" : "akka.tcp")}://alexnet@{address.Host}:{address.Port}");
        }
        var handOver = Get(c, $"{k}.hand-over-timeout", k2 => c.GetTimeSpan(k2));
        if (handOver <= TimeSpan.Zero) throw new ConfigurationFileException($"{k}.hand-over-timeout = {handOver}: expected a positive duration");
        if (tls.Enabled && tls.CertificatePath.Length == 0)
            throw new ConfigurationFileException($"{k}.tls.enabled = on needs {k}.tls.certificate-path (a .pfx file)");
        return new ClusterSettings(roles, Get(c, $"{k}.hostname", k2 => c.GetString(k2)), Get(c, $"{k}.public-hostname", k2 => c.GetString(k2)), port,
            seeds, devices, precision, Get(c, $"{k}.gather-timeout", k2 => c.GetTimeSpan(k2)), channel,
            Get(c, $"{k}.loader.read-delay", k2 => c.GetTimeSpan(k2)), tls, recovery, joinTimeout, CoordinatorTimeoutOf(c), handOver,
            Get(c, $"{k}.checkpoint-lock", k2 => c.GetBoolean(k2)));
    }

    private static T Get<T>(Config c, string key, Func<string, T> read)
    {
        if (!c.HasPath(key)) throw new ConfigurationFileException($"{key} is missing");
        try { return read(key); }
        catch (Exception e) when (e is not ConfigurationFileException)
        {
            throw new ConfigurationFileException($"{key} = {c.GetString(key, "?")}: not a valid {typeof(T).Name.ToLowerInvariant()}");
        }
    }

    private static IReadOnlyList<string> List(Config c, string key) =>
        Get(c, key, k => (IReadOnlyList<string>)c.GetStringList(k).Where(s => s.Length > 0).ToList());
}
