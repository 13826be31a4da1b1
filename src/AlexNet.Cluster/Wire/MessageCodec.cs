using Akka.Actor;

namespace AlexNet.Cluster.Wire;

/// <summary>
/// The closed set of message types that may cross a process boundary, each with a short fixed
/// manifest and a hand-written codec. Decoding looks the manifest up in this table: an unknown
/// manifest is refused, and no type is ever looked up by a name found in the payload.
/// </summary>
public sealed class MessageCodec
{
    private readonly Dictionary<Type, (string Manifest, Action<WireWriter, object> Write)> _byType = new();
    private readonly Dictionary<string, Func<WireReader, object>> _byManifest = new(StringComparer.Ordinal);

    /// <summary>Every message type of the cluster: the tower, loader and membership protocols.</summary>
    public static MessageCodec Default { get; } = Build();

    private static MessageCodec Build()
    {
        var codec = new MessageCodec();
        TowerCodecs.Register(codec);
        LoaderCodecs.Register(codec);
        MembershipCodecs.Register(codec);
        return codec;
    }

    public void Register<T>(string manifest, Action<WireWriter, T> write, Func<WireReader, T> read) where T : notnull
    {
        if (!_byManifest.TryAdd(manifest, r => read(r))) throw new ArgumentException($"manifest '{manifest}' is used twice");
        _byType.Add(typeof(T), (manifest, (w, m) => write(w, (T)m)));
    }

    public IEnumerable<Type> Types => _byType.Keys;

    public bool Knows(Type type) => _byType.ContainsKey(type);

    public string Manifest(object message) =>
        _byType.TryGetValue(message.GetType(), out var entry) ? entry.Manifest
            : throw new ArgumentException($"{message.GetType().FullName} is not a message of the cluster wire protocol");

    public void Write(WireWriter writer, object message)
    {
        if (!_byType.TryGetValue(message.GetType(), out var entry))
            throw new ArgumentException($"{message.GetType().FullName} is not a message of the cluster wire protocol");
        entry.Write(writer, message);
    }

    /// <summary>Decodes one message of kind <paramref name="manifest"/>; throws <see cref="InvalidDataException"/> for anything else.</summary>
    public object Read(string manifest, WireReader reader)
    {
        if (!_byManifest.TryGetValue(manifest, out var read))
            throw new InvalidDataException($"unknown message kind '{manifest}' refused");
        var message = read(reader);
        reader.End();
        return message;
    }

    public byte[] Encode(object message)
    {
        using var ms = new MemoryStream();
        Write(new WireWriter(ms), message);
        return ms.ToArray();
    }

    public object Decode(string manifest, byte[] bytes, ExtendedActorSystem? system = null)
    {
        using var ms = new MemoryStream(bytes, writable: false);
        return Read(manifest, new WireReader(ms, bytes.Length, system));
    }
}
