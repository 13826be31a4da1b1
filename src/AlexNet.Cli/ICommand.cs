namespace AlexNet.Cli;

/// <summary>One `alexnet` subcommand.</summary>
public interface ICommand
{
    string Name { get; }
    /// <summary>One line for `alexnet --help`.</summary>
    string Summary { get; }
    /// <summary>Full usage text for `alexnet NAME --help`.</summary>
    string Usage { get; }
    /// <summary>Option names that take no value.</summary>
    IReadOnlyCollection<string> Flags => Array.Empty<string>();
    /// <summary>Runs the command; returns the process exit code.</summary>
    int Run(CliArgs args);
}
