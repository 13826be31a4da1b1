using Akka.Actor;
using Akka.Serialization;

namespace AlexNet.Cluster.Wire;

/// <summary>
/// The Akka.NET serializer of every message of ours that crosses processes through Akka.Remote
/// (bound type by type in hocon/cluster.conf). Payload: the message's fields in a fixed binary
/// layout (<see cref="MessageCodec"/>); the manifest is a short kind such as "t.fwd", looked up in a
/// fixed table, so nothing is deserialized from a type name. Local messages never reach it.
/// </summary>
public sealed class WireSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int Id = 7311;
    private readonly MessageCodec _codec = MessageCodec.Default;

    public override int Identifier => Id;

    public override string Manifest(object o) => _codec.Manifest(o);

    public override byte[] ToBinary(object obj)
    {
        var bytes = _codec.Encode(obj);
        WireMeter.AkkaOut(bytes.Length);
        return bytes;
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        WireMeter.AkkaIn(bytes.Length);
        try { return _codec.Decode(manifest, bytes, system); }
        catch (InvalidDataException e) { throw new System.Runtime.Serialization.SerializationException($"alexnet wire: {e.Message}"); }
    }
}
