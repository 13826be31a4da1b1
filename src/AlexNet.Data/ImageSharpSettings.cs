using SixLabors.ImageSharp;

namespace AlexNet.Data;

/// <summary>
/// ImageSharp configuration for our workers: each image on one thread (we already run one image
/// per core; ImageSharp's own parallelism would only oversubscribe) and contiguous pixel buffers
/// (so the resampler reads one span).
/// </summary>
public static class ImageSharpSettings
{
    public static readonly Configuration SingleThreaded = Create();

    private static Configuration Create()
    {
        var c = Configuration.Default.Clone();
        c.MaxDegreeOfParallelism = 1;
        c.PreferContiguousImageBuffers = true;
        return c;
    }
}
