using AlexNet.Cluster.Channel;
using AlexNet.Cluster.Protocol;
using AlexNet.Cluster.Wire;
using Xunit;

namespace AlexNet.Cluster.Tests;

/// <summary>A data-channel frame built without copying its large arrays: the same bytes as a copied encoding, arrays sent from where they lie.</summary>
public sealed class FramePayloadTests
{
    private static byte[] Copied(string target, object message)
    {
        using var ms = new MemoryStream();
        var w = new WireWriter(ms);
        w.String(target);
        w.String(MessageCodec.Default.Manifest(message));
        MessageCodec.Default.Write(w, message);
        var frame = new byte[FrameFormat.HeaderBytes + ms.Length];
        FrameFormat.WriteHeader(frame, ms.Length);
        ms.ToArray().CopyTo(frame, FrameFormat.HeaderBytes);
        return frame;
    }

    private static async Task<byte[]> Framed(FramePayload frame, string target, object message, Action? beforeWrite = null)
    {
        var w = new WireWriter(frame);
        w.String(target);
        w.String(MessageCodec.Default.Manifest(message));
        MessageCodec.Default.Write(w, message);
        FrameFormat.WriteHeader(frame.Header, frame.PayloadLength);
        beforeWrite?.Invoke();
        using var output = new MemoryStream();
        await frame.WriteToAsync(output, CancellationToken.None);
        frame.Clear();
        return output.ToArray();
    }

    [Fact]
    public async Task Frames_with_attached_arrays_have_the_bytes_of_a_copied_encoding_frame_after_frame()
    {
        var frame = new FramePayload(FrameFormat.HeaderBytes);
        var messages = new object[]
        {
            new AlexNet.Actors.Protocol.BatchReady(AlexNet.Actors.Protocol.DataSplit.Train, Samples.Batch(n: 8, side: 64), TimeSpan.FromMilliseconds(3)), // 98 KB of pixels: attached
            new WireForwardSegment(1, AlexNet.Model.Segment.Fc6, Samples.Blob(128, 256)), // 128 KB tensor: attached
            new WireBackwardSegment(2, AlexNet.Model.Segment.Fc8, Samples.Blob(2, 3)), // small: copied
            new WireForwardSegment(3, AlexNet.Model.Segment.Trunk, Samples.Blob(256, 256)),
        };
        foreach (var m in messages)
            Assert.Equal(Copied("/user/x", m), await Framed(frame, "/user/x", m));
    }

    [Fact]
    public async Task A_large_array_is_sent_from_where_it_lies_and_a_small_one_is_copied()
    {
        var frame = new FramePayload(FrameFormat.HeaderBytes);
        var large = Samples.Blob(128, 256);
        var small = Samples.Blob(2, 3);
        var expectedLarge = Copied("t", new WireForwardSegment(1, AlexNet.Model.Segment.Fc6, large));
        var expectedSmall = Copied("t", new WireForwardSegment(1, AlexNet.Model.Segment.Fc6, small));
        // Changed after encoding, before the socket write: the frame carries the change only if the array was not copied.
        var sentLarge = await Framed(frame, "t", new WireForwardSegment(1, AlexNet.Model.Segment.Fc6, large), () => large.Data[^1] ^= 0xFF);
        var sentSmall = await Framed(frame, "t", new WireForwardSegment(1, AlexNet.Model.Segment.Fc6, small), () => small.Data[^1] ^= 0xFF);
        Assert.Equal(expectedLarge.Length, sentLarge.Length);
        Assert.NotEqual(expectedLarge[^1], sentLarge[^1]);
        Assert.Equal(expectedLarge[..^1], sentLarge[..^1]);
        Assert.Equal(expectedSmall, sentSmall);
    }
}
