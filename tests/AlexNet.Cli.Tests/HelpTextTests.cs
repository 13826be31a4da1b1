using AlexNet.Cli;
using AlexNet.Cli.Commands;
using Xunit;

namespace AlexNet.Cli.Tests;

/// <summary>
/// `alexnet COMMAND --help` is put together from shared option blocks; each block must start on a
/// line of its own (the raw strings end without a newline, and one joined onto the last line of
/// the previous block printed e.g. `--pinned-memory on|off ... (on)  --run-dir D ...`).
/// </summary>
public class HelpTextTests
{
    public static TheoryData<string, string> OptionsOnTheirOwnLine => new()
    {
        { "train", "--run-dir D" },
        { "train", "--pinned-memory on|off" },
        { "node", "--config FILE" },
        { "eval", "--data D" },
        { "export", "--out FILE" },
        { "predict", "--data D" },
        { "neighbours", "--data D" },
    };

    [Theory]
    [MemberData(nameof(OptionsOnTheirOwnLine))]
    public void Each_option_block_starts_on_a_line_of_its_own(string command, string option)
    {
        ICommand c = command switch
        {
            "train" => new TrainCommand(),
            "node" => new NodeCommand(),
            "eval" => new EvalCommand(),
            "export" => new ExportCommand(),
            "predict" => new PredictCommand(),
            _ => new NeighboursCommand(),
        };
        var lines = c.Usage.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("  " + option));
        Assert.DoesNotContain(lines, l => l.Contains("  " + option) && !l.StartsWith("  " + option));
    }
}
