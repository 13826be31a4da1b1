using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Processing;

namespace AlexNet.Data.Tests;

/// <summary>
/// The two JPEG record decoders on real photos: libjpeg-turbo (installed by .ci/run as libturbojpeg0)
/// gives ImageSharp's pixels up to chroma upsampling and rounding, and both refuse what is not a record of the right size.
/// The process-wide choice is not changed here (other tests read shards meanwhile): each call names its decoder.
/// </summary>
public class JpegDecodingTests
{
    private const int Side = 256;

    private static List<byte[]> Records(int count) => MatePhotos.Jpegs.Take(count).Select(path =>
    {
        using var image = MatePhotos.SmallImage(path, 400);
        image.Mutate(x => x.Resize(Side, Side));
        using var stream = new MemoryStream();
        image.SaveAsJpeg(stream, new JpegEncoder { Quality = 90 });
        return stream.ToArray();
    }).ToList();

    [Fact]
    public void Libjpeg_turbo_decodes_real_photos_to_imagesharp_s_pixels_up_to_upsampling_and_rounding()
    {
        Assert.True(TurboJpeg.Available, "libturbojpeg.so.0 is missing (apt install libturbojpeg0; .ci/run installs it)");
        var (managed, native) = (new byte[Side * Side * 3], new byte[Side * Side * 3]);
        foreach (var record in Records(6))
        {
            JpegDecoding.DecodeRecord(record, managed, Side, JpegDecoder.ImageSharp);
            JpegDecoding.DecodeRecord(record, native, Side, JpegDecoder.LibjpegTurbo);
            var differences = managed.Zip(native, (a, b) => Math.Abs(a - b)).ToArray();
            // Chroma upsampling differs (libjpeg-turbo interpolates, ImageSharp less so): colour edges move by a few levels.
            Assert.True(differences.Average() < 2, $"mean difference {differences.Average():F2} levels");
            Assert.True(differences.Count(d => d > 16) < differences.Length / 1000, $"{differences.Count(d => d > 16)} of {differences.Length} values differ by more than 16");
        }
    }

    [Fact]
    public void Preparing_real_photos_with_either_decoder_gives_the_same_squares_up_to_upsampling_and_rounding()
    {
        Assert.True(TurboJpeg.Available, "libturbojpeg.so.0 is missing (apt install libturbojpeg0; .ci/run installs it)");
        var (managed, native) = (new SourceImageConverter(128, decoder: JpegDecoder.ImageSharp), new SourceImageConverter(128, decoder: JpegDecoder.LibjpegTurbo));
        var (a, b) = (new byte[128 * 128 * 3], new byte[128 * 128 * 3]);
        foreach (var path in MatePhotos.Jpegs.Take(4))
        {
            var file = MatePhotos.Small(path, 500);
            Assert.Equal(ConversionAction.Kept, managed.Convert(file, a).Action);
            Assert.Equal(ConversionAction.Kept, native.Convert(file, b).Action);
            var differences = a.Zip(b, (x, y) => Math.Abs(x - y)).ToArray();
            Assert.True(differences.Average() < 2, $"{path}: mean difference {differences.Average():F2} levels");
            Assert.True(differences.Count(d => d > 16) < differences.Length / 1000, $"{path}: {differences.Count(d => d > 16)} values differ by more than 16");
        }
    }

    [Theory]
    [InlineData(JpegDecoder.ImageSharp)]
    [InlineData(JpegDecoder.LibjpegTurbo)]
    public void What_is_not_a_record_of_the_right_size_is_refused_saying_why(JpegDecoder decoder)
    {
        var record = Records(1)[0];
        var pixels = new byte[Side * Side * 3];
        var wrongSize = Assert.Throws<InvalidDataException>(() => JpegDecoding.DecodeRecord(record, new byte[128 * 128 * 3], 128, decoder));
        Assert.Contains($"decodes to {Side}×{Side}, expected 128×128", wrongSize.Message);
        var damaged = record.ToArray();
        Array.Clear(damaged, 0, 16);
        Assert.Throws<InvalidDataException>(() => JpegDecoding.DecodeRecord(damaged, pixels, Side, decoder));
    }

    [Fact]
    public void The_setting_resolves_auto_to_libjpeg_turbo_where_installed_and_refuses_anything_else()
    {
        Assert.Equal(TurboJpeg.Available ? JpegDecoder.LibjpegTurbo : JpegDecoder.ImageSharp, JpegDecoding.Resolve("auto"));
        Assert.Equal(JpegDecoder.ImageSharp, JpegDecoding.Resolve("imagesharp"));
        Assert.Contains("alexnet.data.jpeg-decoder", Assert.Throws<ArgumentException>(() => JpegDecoding.Resolve("libjpeg")).Message);
    }
}
