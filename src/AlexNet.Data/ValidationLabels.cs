using System.Xml;
using System.Xml.Linq;

namespace AlexNet.Data;

/// <summary>
/// The class of each image of a flat folder, such as ImageNet's 50,000 validation images, which
/// come in one folder with their labels elsewhere. Read from any of the forms they are published in:
/// <list type="bullet">
/// <item>a folder of ILSVRC bounding-box files (`ILSVRC2012_bbox_val_v3.tgz`: one `NAME.xml` per
/// image whose first `object/name` is the class; every object of an image has the same class);</item>
/// <item>the `LOC_val_solution.csv` of the ImageNet localisation challenge (`ImageId,PredictionString`,
/// the class being the first word of the prediction string);</item>
/// <item>any text file of `NAME CLASS` lines, separated by spaces, a tab or a comma.</item>
/// </list>
/// Names are matched without their extension (`ILSVRC2012_val_00000001` and
/// `ILSVRC2012_val_00000001.JPEG` are the same image).
/// </summary>
public static class ValidationLabels
{
    private static readonly char[] Separators = { ',', ' ', '\t' };

    /// <summary>Image name (without extension) → class name.</summary>
    public static IReadOnlyDictionary<string, string> Read(string path)
    {
        if (Directory.Exists(path)) return FromBoundingBoxFiles(path);
        if (!File.Exists(path))
            throw new DataFormatException($"{path}: no such file or folder (expected a folder of ILSVRC bounding-box .xml files, LOC_val_solution.csv, or a text file of 'NAME CLASS' lines)");
        return FromText(path);
    }

    /// <summary>The name an image is known by in a labels file: its file name without an image extension.</summary>
    public static string ImageName(string fileName) =>
        ImageFolderLayout.IsImageFile(fileName) ? Path.GetFileNameWithoutExtension(fileName) : fileName;

    private static Dictionary<string, string> FromText(string path)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        int number = 0;
        foreach (var raw in File.ReadLines(path))
        {
            number++;
            string line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            if (number == 1 && line.StartsWith("ImageId,", StringComparison.Ordinal)) continue; // LOC_val_solution.csv's header
            int cut = line.IndexOfAny(Separators);
            string[] rest = cut < 0 ? Array.Empty<string>() : line[(cut + 1)..].Split(Separators, StringSplitOptions.RemoveEmptyEntries);
            if (rest.Length == 0)
                throw new DataFormatException($"{path}:{number}: '{Shorten(line)}' has no class (expected 'NAME CLASS', or LOC_val_solution.csv's 'ImageId,PredictionString')");
            Add(labels, ImageName(line[..cut]), rest[0], $"{path}:{number}");
        }
        if (labels.Count == 0) throw new DataFormatException($"{path}: no labels in it (expected 'NAME CLASS' lines)");
        return labels;
    }

    private static Dictionary<string, string> FromBoundingBoxFiles(string folder)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var files = Directory.GetFiles(folder, "*.xml");
        Array.Sort(files, StringComparer.Ordinal);
        foreach (var file in files)
        {
            XDocument document;
            try { document = XDocument.Load(file); }
            catch (XmlException e) { throw new DataFormatException($"{file}: not readable XML ({e.Message})", e); }
            string? name = document.Root?.Elements("object").Select(o => (string?)o.Element("name")).FirstOrDefault(n => !string.IsNullOrWhiteSpace(n));
            if (name is null) throw new DataFormatException($"{file}: no object/name element (expected an ILSVRC bounding-box annotation)");
            Add(labels, Path.GetFileNameWithoutExtension(file), name.Trim(), file);
        }
        if (labels.Count == 0) throw new DataFormatException($"{folder}: no .xml files in it (expected ILSVRC bounding-box annotations, one per image)");
        return labels;
    }

    private static void Add(Dictionary<string, string> labels, string image, string label, string where)
    {
        if (labels.TryGetValue(image, out var earlier) && earlier != label)
            throw new DataFormatException($"{where}: {image} is labelled {label} here and {earlier} before");
        labels[image] = label;
    }

    private static string Shorten(string line) => line.Length <= 60 ? line : line[..57] + "...";
}
