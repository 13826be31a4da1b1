namespace AlexNet.Data.Tests;

/// <summary>ImageNet's flat validation folder into class folders, from each published form of its labels.</summary>
public class ValidationSortTests
{
    /// <summary>Four real photos named as ImageNet's validation images are, in one folder.</summary>
    private static string MakeFlatFolder(TempFolder dir)
    {
        string flat = dir["flat"];
        Directory.CreateDirectory(flat);
        for (int i = 1; i <= 4; i++)
            File.WriteAllBytes(Path.Combine(flat, $"ILSVRC2012_val_{i:D8}.JPEG"), MatePhotos.Small(MatePhotos.Jpegs[i], 160));
        return flat;
    }

    [Fact]
    public void Reads_LOC_val_solution_csv_the_first_word_of_each_prediction_string()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir["LOC_val_solution.csv"],
            "ImageId,PredictionString\n" +
            "ILSVRC2012_val_00008726,n02119789 255 142 454 329 n02119789 44 21 322 295 \n" +
            "ILSVRC2012_val_00024929,n03884397 7 57 499 257 \n");
        var labels = ValidationLabels.Read(dir["LOC_val_solution.csv"]);
        Assert.Equal(2, labels.Count);
        Assert.Equal("n02119789", labels["ILSVRC2012_val_00008726"]);
        Assert.Equal("n03884397", labels["ILSVRC2012_val_00024929"]);
    }

    [Fact]
    public void Reads_name_class_lines_with_or_without_extensions_and_any_separator()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir["val.txt"], "# file class\nILSVRC2012_val_00000001.JPEG n01751748\nILSVRC2012_val_00000002\tn09193705\nILSVRC2012_val_00000003.jpeg,n02105855\n\n");
        var labels = ValidationLabels.Read(dir["val.txt"]);
        Assert.Equal(new[] { "n01751748", "n09193705", "n02105855" },
            new[] { 1, 2, 3 }.Select(i => labels[$"ILSVRC2012_val_{i:D8}"]));
    }

    [Fact]
    public void Reads_ILSVRC_bounding_box_files_the_first_object_name()
    {
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir["bbox"]);
        File.WriteAllText(dir["bbox/ILSVRC2012_val_00000001.xml"], """
            <annotation>
              <folder>val</folder><filename>ILSVRC2012_val_00000001</filename>
              <size><width>500</width><height>375</height><depth>3</depth></size>
              <object><name>n01751748</name><bndbox><xmin>111</xmin><ymin>108</ymin><xmax>441</xmax><ymax>332</ymax></bndbox></object>
            </annotation>
            """);
        File.WriteAllText(dir["bbox/ILSVRC2012_val_00000002.xml"],
            "<annotation><object><name>n09193705</name></object><object><name>n09193705</name></object></annotation>");
        var labels = ValidationLabels.Read(dir["bbox"]);
        Assert.Equal("n01751748", labels["ILSVRC2012_val_00000001"]);
        Assert.Equal("n09193705", labels["ILSVRC2012_val_00000002"]);
    }

    [Fact]
    public void Bad_label_files_are_refused_naming_the_file_and_line()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir["a.txt"], "img1 n01\nimg2\n");
        var noClass = Assert.Throws<DataFormatException>(() => ValidationLabels.Read(dir["a.txt"]));
        Assert.StartsWith(dir["a.txt"] + ":2:", noClass.Message);

        File.WriteAllText(dir["b.txt"], "img1 n01\nimg1.JPEG n02\n");
        var twice = Assert.Throws<DataFormatException>(() => ValidationLabels.Read(dir["b.txt"]));
        Assert.Contains(":2: img1 is labelled n02 here and n01 before", twice.Message);

        Directory.CreateDirectory(dir["xml"]);
        File.WriteAllText(dir["xml/x.xml"], "<annotation><object>");
        Assert.Contains("not readable XML", Assert.Throws<DataFormatException>(() => ValidationLabels.Read(dir["xml"])).Message);
        Assert.Contains("no such file or folder", Assert.Throws<DataFormatException>(() => ValidationLabels.Read(dir["none.csv"])).Message);
    }

    [Fact]
    public void Hard_links_each_image_into_its_class_folder_and_a_second_run_finds_them_in_place()
    {
        using var dir = new TempFolder();
        string flat = MakeFlatFolder(dir);
        File.WriteAllText(Path.Combine(flat, "ILSVRC2012_val_00000009.JPEG"), "unlabelled"); // left out, reported
        var labels = new Dictionary<string, string>
        {
            ["ILSVRC2012_val_00000001"] = "n01", ["ILSVRC2012_val_00000002"] = "n02",
            ["ILSVRC2012_val_00000003"] = "n01", ["ILSVRC2012_val_00000004"] = "n02",
        };
        var result = new FlatFolderSorter { KnownClasses = new[] { "n01", "n02", "n03" } }.Run(flat, labels, dir["root/val"]);

        Assert.Equal((4, 0, 2, PlaceMode.HardLink), (result.Placed, result.AlreadyThere, result.Classes, result.Mode));
        Assert.Equal(new[] { "ILSVRC2012_val_00000009.JPEG" }, result.Unlabelled);
        Assert.Equal(new[] { "ILSVRC2012_val_00000001.JPEG", "ILSVRC2012_val_00000003.JPEG" },
            Directory.GetFiles(dir["root/val/n01"]).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        string source = Path.Combine(flat, "ILSVRC2012_val_00000002.JPEG"), sorted = dir["root/val/n02/ILSVRC2012_val_00000002.JPEG"];
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(sorted));
        // A hard link is the same file under a second name: a write through one shows through the other.
        File.AppendAllText(source, "!");
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(sorted));

        var again = new FlatFolderSorter().Run(flat, labels, dir["root/val"]);
        Assert.Equal((0, 4), (again.Placed, again.AlreadyThere));
    }

    [Fact]
    public void Copies_and_symbolic_links_hold_the_same_bytes()
    {
        using var dir = new TempFolder();
        string flat = MakeFlatFolder(dir);
        var labels = new Dictionary<string, string> { ["ILSVRC2012_val_00000001"] = "n01", ["ILSVRC2012_val_00000002"] = "n01",
                                                      ["ILSVRC2012_val_00000003"] = "n01", ["ILSVRC2012_val_00000004"] = "n01" };
        new FlatFolderSorter { Mode = PlaceMode.Copy }.Run(flat, labels, dir["copy"]);
        new FlatFolderSorter { Mode = PlaceMode.SymbolicLink }.Run(flat, labels, dir["links"]);
        foreach (var file in Directory.GetFiles(flat).Select(Path.GetFileName))
        {
            var bytes = File.ReadAllBytes(Path.Combine(flat, file!));
            Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(dir["copy/n01"], file!)));
            Assert.Null(new FileInfo(Path.Combine(dir["copy/n01"], file!)).LinkTarget);
            Assert.Equal(Path.Combine(flat, file!), new FileInfo(Path.Combine(dir["links/n01"], file!)).LinkTarget);
            Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(dir["links/n01"], file!)));
        }
    }

    [Fact]
    public void A_missing_image_an_unknown_class_or_a_different_file_in_place_is_refused()
    {
        using var dir = new TempFolder();
        string flat = MakeFlatFolder(dir);
        var labels = new Dictionary<string, string> { ["ILSVRC2012_val_00000001"] = "n01", ["ILSVRC2012_val_00000077"] = "n01" };
        var missing = Assert.Throws<DataFormatException>(() => new FlatFolderSorter().Run(flat, labels, dir["out"]));
        Assert.Contains("1 of the 2 labelled images are not in it (first: ILSVRC2012_val_00000077)", missing.Message);

        var unknown = Assert.Throws<DataFormatException>(() => new FlatFolderSorter { KnownClasses = new[] { "n02" } }
            .Run(flat, new Dictionary<string, string> { ["ILSVRC2012_val_00000001"] = "n01" }, dir["out"]));
        Assert.Contains("class n01 is not a training class", unknown.Message);

        Directory.CreateDirectory(dir["out/n01"]);
        File.WriteAllText(dir["out/n01/ILSVRC2012_val_00000001.JPEG"], "something else");
        var differs = Assert.Throws<DataFormatException>(() => new FlatFolderSorter()
            .Run(flat, new Dictionary<string, string> { ["ILSVRC2012_val_00000001"] = "n01" }, dir["out"]));
        Assert.Contains("already exists and differs", differs.Message);
    }
}
