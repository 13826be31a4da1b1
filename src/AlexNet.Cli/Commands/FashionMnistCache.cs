using AlexNet.Data;

namespace AlexNet.Cli.Commands;

/// <summary>
/// Fashion-MNIST from Debian's dataset-fashion-mnist, imported to the ImageNet layout and prepared
/// once under the cache folder, through exactly the commands a user would run (`alexnet import
/// fashion-mnist`, then `alexnet prepare`), so the small real dataset takes ImageNet's path.
/// </summary>
public static class FashionMnistCache
{
    private const string Done = ".complete";

    public static bool Installed => FashionMnistImporter.ClassFolders.Length > 0 &&
        new[] { "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" }
            .All(f => File.Exists(Path.Combine(FashionMnistImporter.DefaultDirectory, f)) || File.Exists(Path.Combine(FashionMnistImporter.DefaultDirectory, f + ".gz")));

    /// <summary>The prepared folder (train/ val/ test/ + statistics), importing and preparing what is missing.</summary>
    public static string Ensure(string cacheDir, int size, TextWriter log)
    {
        if (!Installed)
            throw new UsageException($"--data fashion-mnist: the IDX files are not in {FashionMnistImporter.DefaultDirectory} (install Debian's dataset-fashion-mnist, or import them with 'alexnet import fashion-mnist DIR OUT')");
        var images = Path.Combine(cacheDir, "fashion-mnist");
        var prepared = Path.Combine(cacheDir, $"fashion-mnist-{size}");
        if (!File.Exists(Path.Combine(images, Done)))
        {
            log.WriteLine($"data: importing Fashion-MNIST from {FashionMnistImporter.DefaultDirectory} into {images} (once)");
            if (Directory.Exists(images)) Directory.Delete(images, recursive: true);
            new FashionMnistImporter().Run(FashionMnistImporter.DefaultDirectory, images);
            File.WriteAllText(Path.Combine(images, Done), DateTime.UtcNow.ToString("O"));
        }
        if (!File.Exists(Path.Combine(prepared, Done)))
        {
            log.WriteLine($"data: preparing {images} at {size}x{size} into {prepared} (once; resumes if interrupted)");
            new DatasetPreparer(new PrepareSettings(Size: size), Environment.ProcessorCount).Run(images, prepared);
            File.WriteAllText(Path.Combine(prepared, Done), DateTime.UtcNow.ToString("O"));
        }
        return prepared;
    }
}
