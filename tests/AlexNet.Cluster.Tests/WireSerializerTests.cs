using System.Runtime.Serialization;
using System.Text.RegularExpressions;
using Akka.Actor;
using Akka.Configuration;
using AlexNet.Actors.Hosting;
using AlexNet.Cluster.Hosting;
using AlexNet.Cluster.Wire;
using Xunit;
using static TorchSharp.torch;

namespace AlexNet.Cluster.Tests;

public sealed class WireSerializerTests : IDisposable
{
    // The bindings of hocon/cluster.conf, in a local system (no sockets needed to serialize).
    private readonly ActorSystem _system = ActorSystem.Create("wire",
        ConfigurationFactory.ParseString("akka.actor.provider = local").WithFallback(ClusterConfig.Defaults).WithFallback(HoconFiles.Reference));

    public void Dispose() => _system.Terminate().Wait();

    private IActorRef Someone => _system.DeadLetters;

    [Fact]
    public void Every_message_kind_is_bound_to_our_serializer_and_round_trips_exactly()
    {
        var serialization = _system.Serialization;
        int kinds = 0;
        foreach (var message in Samples.All(Someone))
        {
            var serializer = serialization.FindSerializerFor(message);
            Assert.IsType<WireSerializer>(serializer);
            var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
            var bytes = serializer.ToBinary(message);
            var back = serialization.Deserialize(bytes, serializer.Identifier, manifest);
            Assert.Equal(message.GetType(), back.GetType());
            Assert.Equal(bytes, serializer.ToBinary(back)); // every field survived (arrays included)
            kinds++;
        }
        Assert.Equal(MessageCodec.Default.Types.Count(), Samples.All(Someone).Select(m => m.GetType()).Distinct().Count());
        Assert.True(kinds > 25);
    }

    [Fact]
    public void A_tower_s_compute_options_survive_the_wire_field_by_field()
    {
        foreach (var sent in Samples.All(Someone).OfType<Protocol.WireInitializeTower>())
        {
            var serializer = _system.Serialization.FindSerializerFor(sent);
            var back = (Protocol.WireInitializeTower)_system.Serialization.Deserialize(serializer.ToBinary(sent), serializer.Identifier,
                Akka.Serialization.Serialization.ManifestFor(serializer, sent));
            Assert.Equal(sent.Compute, back.Compute);
        }
    }

    [Fact]
    public void The_bindings_in_cluster_conf_are_exactly_the_codec_s_types()
    {
        var text = HoconFiles.Read("cluster.conf");
        var bound = Regex.Matches(text, "\"([A-Za-z.]+), (AlexNet\\.[A-Za-z]+)\" = alexnet-wire").Select(m => m.Groups[1].Value).ToHashSet();
        var coded = MessageCodec.Default.Types.Select(t => t.FullName!).ToHashSet();
        Assert.Equal(coded.OrderBy(x => x), bound.OrderBy(x => x));
    }

    [Fact]
    public void An_unknown_manifest_is_refused()
    {
        var serializer = (WireSerializer)_system.Serialization.FindSerializerForType(typeof(AlexNet.Actors.Protocol.ApplyUpdate));
        var bytes = serializer.ToBinary(new AlexNet.Actors.Protocol.ApplyUpdate(1, 0.1));
        var e = Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes, "System.Diagnostics.Process, System"));
        Assert.Contains("unknown message kind", e.Message);
    }

    [Fact]
    public void Truncated_or_oversized_payloads_are_refused_before_allocating()
    {
        var serializer = (WireSerializer)_system.Serialization.FindSerializerForType(typeof(Protocol.WireForwardSegment));
        var message = new Protocol.WireForwardSegment(3, AlexNet.Model.Segment.Fc6, Samples.Blob(4, 4));
        var bytes = serializer.ToBinary(message);
        Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes[..^1], "t.fwd"));
        Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes.Append((byte)0).ToArray(), "t.fwd"));
        // A shape that claims more elements than there are bytes.
        var lying = (byte[])bytes.Clone();
        int shapeAt = 8 + 4 + 2 + 4; // step, segment, two type bytes, rank
        BitConverter.GetBytes(1L << 40).CopyTo(lying, shapeAt);
        Assert.Throws<SerializationException>(() => serializer.FromBinary(lying, "t.fwd"));
    }

    [Fact]
    public void A_type_without_a_binding_cannot_be_sent_at_all()
    {
        Assert.ThrowsAny<Exception>(() => _system.Serialization.FindSerializerFor(new NotOnTheWire(1)));
    }

    private sealed record NotOnTheWire(int Value);

    [Theory]
    [InlineData(WirePrecision.Full, 0.0)]
    [InlineData(WirePrecision.Float16, 1e-3)]
    [InlineData(WirePrecision.BFloat16, 8e-3)]
    public void Tensors_travel_as_header_and_raw_bytes_at_the_chosen_precision(WirePrecision precision, double tolerance)
    {
        using var t = randn(16, 37, generator: manual_seed(1)) * 3;
        var blob = TensorBlob.From(t, precision);
        Assert.Equal(t.numel() * (precision == WirePrecision.Full ? 4 : 2), blob.Data.LongLength);
        var bytes = MessageCodec.Default.Encode(new Protocol.WireSegmentOutput(1, 0, AlexNet.Model.Segment.Fc6, blob));
        Assert.True(bytes.Length < blob.Data.Length + 64, $"{bytes.Length} bytes for {blob.Data.Length} bytes of data");
        var back = (Protocol.WireSegmentOutput)MessageCodec.Default.Decode("t.out", bytes);
        using var restored = back.Output.ToTensor();
        Assert.Equal(ScalarType.Float32, restored.dtype);
        Assert.Equal(t.shape, restored.shape);
        double error = (restored - t).abs().max().item<float>() / t.abs().max().item<float>();
        Assert.True(error <= tolerance, $"relative error {error} at {precision}");
    }
}
