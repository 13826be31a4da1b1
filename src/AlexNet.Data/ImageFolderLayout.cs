namespace AlexNet.Data;

/// <summary>One source image: its path relative to the split folder ("class/file.jpg") and its label.</summary>
public readonly record struct SourceImage(string RelativePath, int Label);

/// <summary>A split (train, val or test) of an ImageNet-layout folder: class folders of images.</summary>
/// <param name="Images">Image files, ordered by class then ordinal file name.</param>
/// <param name="Ignored">Other files in the class folders ("class/notes.txt"), reported and left alone.</param>
public sealed record ImageFolderSplit(string Name, string Directory, IReadOnlyList<SourceImage> Images, IReadOnlyList<string> Ignored);

/// <summary>
/// The ImageNet folder layout: root/train/&lt;class&gt;/*.jpg and root/val/&lt;class&gt;/*.jpg (and
/// root/test/ when there is one). Classes are the training class folders sorted ordinally; a label
/// is an index into that list, the same on every machine and in every split.
/// </summary>
public static class ImageFolderLayout
{
    /// <summary>The splits prepared when present, training first (its class list labels the others).</summary>
    public static readonly string[] SplitNames = { "train", "val", "test" };

    private static readonly HashSet<string> ImageExtensions = new(StringComparer.OrdinalIgnoreCase) { ".jpg", ".jpeg", ".png" };

    public static bool IsImageFile(string path) => ImageExtensions.Contains(Path.GetExtension(path));

    /// <summary>Sorted (ordinal) class folder names of a split folder.</summary>
    public static string[] ClassNames(string splitDirectory)
    {
        if (!System.IO.Directory.Exists(splitDirectory))
            throw new DataFormatException($"{splitDirectory}: no such folder (expected class folders of images, e.g. {Path.Combine(splitDirectory, "n01440764")}/*.JPEG)");
        var names = System.IO.Directory.GetDirectories(splitDirectory).Select(d => Path.GetFileName(d)!).ToArray();
        Array.Sort(names, StringComparer.Ordinal);
        if (names.Length == 0) throw new DataFormatException($"{splitDirectory}: no class folders (expected {splitDirectory}/<class>/*.jpg)");
        return names;
    }

    /// <summary>Lists a split's images, labelled by <paramref name="classes"/> (the training classes).</summary>
    public static ImageFolderSplit Scan(string root, string split, IReadOnlyList<string> classes)
    {
        string dir = Path.Combine(root, split);
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < classes.Count; i++) index[classes[i]] = i;
        var images = new List<SourceImage>();
        var ignored = new List<string>();
        foreach (var name in ClassNames(dir))
        {
            if (!index.TryGetValue(name, out int label))
                throw new DataFormatException($"{Path.Combine(dir, name)}: class folder not in {Path.Combine(root, "train")} (every split must use the training classes)");
            var files = System.IO.Directory.GetFiles(Path.Combine(dir, name)).Select(f => Path.GetFileName(f)!).ToArray();
            Array.Sort(files, StringComparer.Ordinal);
            foreach (var file in files)
            {
                string relative = name + "/" + file;
                if (IsImageFile(file)) images.Add(new SourceImage(relative, label));
                else ignored.Add(relative);
            }
        }
        return new ImageFolderSplit(split, dir, images, ignored);
    }
}
