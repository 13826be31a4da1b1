namespace AlexNet.Data;

/// <summary>One source image: its path relative to the split folder ("class/file.jpg") and its label.</summary>
public readonly record struct SourceImage(string RelativePath, int Label);

/// <summary>A split (train, val or test) of an ImageNet-layout folder: class folders of images.</summary>
/// <param name="Images">Image files, ordered by class then ordinal file name.</param>
/// <param name="Ignored">
/// Other files in the class folders ("class/notes.txt") and every file in their sub-folders
/// ("class/sub/deep.jpg"), with the reason; reported and left alone.
/// </param>
/// <param name="EmptyClasses">Class folders without a single image file (their class gets no images in this split).</param>
/// <param name="Unreadable">Class folders that could not be listed ("class", reason); their images are left out.</param>
public sealed record ImageFolderSplit(string Name, string Directory, IReadOnlyList<SourceImage> Images, IReadOnlyList<(string Path, string Reason)> Ignored,
    IReadOnlyList<string> EmptyClasses, IReadOnlyList<(string Path, string Reason)> Unreadable);

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
        string[] names;
        try { names = System.IO.Directory.GetDirectories(splitDirectory).Select(d => Path.GetFileName(d)!).ToArray(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException($"{splitDirectory}: cannot list the class folders ({e.Message})");
        }
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
        var ignored = new List<(string, string)>();
        var empty = new List<string>();
        var unreadable = new List<(string, string)>();
        foreach (var name in ClassNames(dir))
        {
            if (!index.TryGetValue(name, out int label))
                throw new DataFormatException($"{Path.Combine(dir, name)}: class folder not in {Path.Combine(root, "train")} (every split must use the training classes)");
            string classDir = Path.Combine(dir, name);
            string[] files, folders;
            try
            {
                files = System.IO.Directory.GetFiles(classDir).Select(f => Path.GetFileName(f)!).ToArray();
                folders = System.IO.Directory.GetDirectories(classDir).Select(f => Path.GetFileName(f)!).ToArray();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                unreadable.Add((name, $"cannot read the class folder ({e.Message.TrimEnd('.')})"));
                continue;
            }
            Array.Sort(files, StringComparer.Ordinal);
            Array.Sort(folders, StringComparer.Ordinal);
            int before = images.Count;
            foreach (var file in files)
            {
                string relative = name + "/" + file;
                if (IsImageFile(file)) images.Add(new SourceImage(relative, label));
                else ignored.Add((relative, "not a .jpg, .jpeg or .png file"));
            }
            foreach (var folder in folders)
                foreach (var nested in NestedFiles(Path.Combine(classDir, folder)))
                    ignored.Add(($"{name}/{folder}/{nested}", "in a sub-folder of a class folder (only files directly in class folders are read)"));
            if (images.Count == before) empty.Add(name);
        }
        return new ImageFolderSplit(split, dir, images, ignored, empty, unreadable);
    }

    /// <summary>Every file under <paramref name="folder"/>, relative to it with '/' separators, in ordinal order.</summary>
    private static IEnumerable<string> NestedFiles(string folder)
    {
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint, MatchType = MatchType.Simple,
        };
        try
        {
            return System.IO.Directory.EnumerateFiles(folder, "*", options)
                .Select(f => Path.GetRelativePath(folder, f).Replace(Path.DirectorySeparatorChar, '/'))
                .Order(StringComparer.Ordinal).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Array.Empty<string>();
        }
    }
}
