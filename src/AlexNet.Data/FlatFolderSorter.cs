using System.Runtime.InteropServices;

namespace AlexNet.Data;

/// <summary>How a sorted image refers to its source file.</summary>
public enum PlaceMode
{
    /// <summary>A second name for the same file: no space, the source folder may go; falls back to Copy across file systems.</summary>
    HardLink,
    /// <summary>A symbolic link to the source's absolute path: the source must stay.</summary>
    SymbolicLink,
    Copy,
}

/// <summary>What <see cref="FlatFolderSorter.Run"/> did.</summary>
/// <param name="Placed">Images newly put into class folders.</param>
/// <param name="AlreadyThere">Images found in place from an earlier run (same size), left alone.</param>
/// <param name="Unlabelled">Image files of the flat folder that no label names: left out.</param>
/// <param name="Mode">How they were placed (HardLink becomes Copy when the output is on another file system).</param>
public sealed record FlatFolderSort(int Placed, int AlreadyThere, int Classes, IReadOnlyList<string> Unlabelled, PlaceMode Mode);

/// <summary>
/// Puts the images of a flat folder into class folders (OUT/&lt;class&gt;/&lt;file&gt;) by a label
/// list, which is how ImageNet's validation images reach the folder layout `prepare` reads. Every
/// labelled image must be there (a partial download is refused, naming what is missing); images
/// already in place from an earlier, interrupted run are kept, so running it again finishes the job.
/// </summary>
public sealed class FlatFolderSorter
{
    public PlaceMode Mode { get; init; } = PlaceMode.HardLink;

    /// <summary>The training classes, when known: a label outside them is refused here rather than by `prepare` later.</summary>
    public IReadOnlyCollection<string>? KnownClasses { get; init; }

    public FlatFolderSort Run(string flatDirectory, IReadOnlyDictionary<string, string> labels, string output)
    {
        if (!Directory.Exists(flatDirectory)) throw new DataFormatException($"{flatDirectory}: no such folder (expected the flat folder of images)");
        var files = ImagesByName(flatDirectory);
        CheckLabels(flatDirectory, files, labels);
        var unlabelled = files.Keys.Where(n => !labels.ContainsKey(n)).Order(StringComparer.Ordinal).Select(n => files[n]).ToList();

        var mode = Mode;
        int placed = 0, there = 0;
        foreach (var (image, label) in labels.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            string source = Path.Combine(flatDirectory, files[image]), folder = Path.Combine(output, label);
            string target = Path.Combine(folder, files[image]);
            if (File.Exists(target))
            {
                if (new FileInfo(target).Length != new FileInfo(source).Length)
                    throw new DataFormatException($"{target}: already exists and differs from {source} (an earlier sort from other files? use a new output folder)");
                there++;
                continue;
            }
            Directory.CreateDirectory(folder);
            mode = Place(source, target, mode);
            placed++;
        }
        return new FlatFolderSort(placed, there, labels.Values.Distinct().Count(), unlabelled, mode);
    }

    /// <summary>Image name without extension → file name, for the image files directly in the folder.</summary>
    private static Dictionary<string, string> ImagesByName(string folder)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFiles(folder))
        {
            string file = Path.GetFileName(path);
            if (!ImageFolderLayout.IsImageFile(file)) continue;
            string name = ValidationLabels.ImageName(file);
            if (files.TryGetValue(name, out var other))
                throw new DataFormatException($"{folder}: {other} and {file} are both image {name} (one image per name)");
            files[name] = file;
        }
        if (files.Count == 0) throw new DataFormatException($"{folder}: no .jpg, .jpeg or .png files in it");
        return files;
    }

    private void CheckLabels(string folder, Dictionary<string, string> files, IReadOnlyDictionary<string, string> labels)
    {
        var missing = labels.Keys.Where(n => !files.ContainsKey(n)).Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
            throw new DataFormatException($"{folder}: {missing.Count} of the {labels.Count} labelled images are not in it (first: {string.Join(", ", missing.Take(3))}); is the download complete?");
        foreach (var (image, label) in labels)
        {
            if (label.Length == 0 || label.Contains('/') || label.Contains('\\') || label is "." or "..")
                throw new DataFormatException($"image {image}: class '{label}' cannot be a folder name");
            if (KnownClasses is not null && !KnownClasses.Contains(label))
                throw new DataFormatException($"image {image}: class {label} is not a training class (the train folder has {KnownClasses.Count} classes)");
        }
    }

    private static PlaceMode Place(string source, string target, PlaceMode mode)
    {
        switch (mode)
        {
            case PlaceMode.HardLink:
                if (link(source, target) == 0) return mode;
                int errno = Marshal.GetLastPInvokeError();
                if (errno != CrossDevice) throw new IOException($"{target}: cannot make a hard link to {source} (errno {errno}: {Marshal.GetPInvokeErrorMessage(errno)})");
                Copy(source, target); // another file system: copies from here on
                return PlaceMode.Copy;
            case PlaceMode.SymbolicLink:
                File.CreateSymbolicLink(target, Path.GetFullPath(source));
                return mode;
            default:
                Copy(source, target);
                return mode;
        }
    }

    /// <summary>Copied under a temporary name and renamed, so a killed run never leaves a partial image under the real name.</summary>
    private static void Copy(string source, string target)
    {
        string partial = target + ".partial";
        File.Copy(source, partial, overwrite: true);
        File.Move(partial, target);
    }

    private const int CrossDevice = 18; // EXDEV

    [DllImport("libc", SetLastError = true)]
    private static extern int link(string oldPath, string newPath);
}
