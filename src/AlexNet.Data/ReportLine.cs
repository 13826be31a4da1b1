namespace AlexNet.Data;

/// <summary>One line of OUT/prepare-report.tsv: a file that was converted, skipped or ignored, and why.</summary>
public sealed record ReportLine(string Split, string Path, string Action, string Reason)
{
    public const string Header = "split\tpath\taction\treason";

    public string ToTsv() => $"{Split}\t{Clean(Path)}\t{Action}\t{Clean(Reason)}";

    private static string Clean(string s) => s.Replace('\t', ' ').ReplaceLineEndings(" ");
}
