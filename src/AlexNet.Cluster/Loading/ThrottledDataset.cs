using AlexNet.Data;

namespace AlexNet.Cluster.Loading;

/// <summary>
/// A dataset whose every image read takes <paramref name="delayPerImage"/> longer: slow storage
/// (network disks, object stores) emulated without spending CPU, so that on a small machine the
/// loaders, not the towers, limit images/s (alexnet.cluster.loader.read-delay; used by the cluster
/// tests and `alexnet bench --cluster`). The images themselves are unchanged.
/// </summary>
public sealed class ThrottledDataset(IImageDataset inner, TimeSpan delayPerImage) : IImageDataset
{
    public int Count => inner.Count;
    public IReadOnlyList<string> ClassNames => inner.ClassNames;
    public int ImageSide => inner.ImageSide;
    public int Label(int index) => inner.Label(index);

    public void ReadPixels(int index, Span<byte> rgbHwc)
    {
        Thread.Sleep(delayPerImage);
        inner.ReadPixels(index, rgbHwc);
    }

    /// <summary>The same data, every read slowed down by <paramref name="delay"/> (unchanged when it is zero).</summary>
    public static AlexNet.Actors.Loading.LoaderData Slow(AlexNet.Actors.Loading.LoaderData data, TimeSpan delay) =>
        delay <= TimeSpan.Zero ? data : data with
        {
            Train = new ThrottledDataset(data.Train, delay),
            Validation = new ThrottledDataset(data.Validation, delay),
        };
}
