using System.Diagnostics;

namespace AlexNet.Cli.Tests;

/// <summary>Starts the built `alexnet` program (next to this test assembly) and collects its output.</summary>
public static class AlexNetProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static string ProgramPath => Path.Combine(AppContext.BaseDirectory, "alexnet.dll");

    public static Result Run(TimeSpan timeout, params string[] args) => Run(timeout, null, args);

    public static Result Run(TimeSpan timeout, IDictionary<string, string>? environment, params string[] args)
    {
        using var p = Start(args, environment);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"alexnet {string.Join(' ', args)} did not finish in {timeout}");
        }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>The program running, its output redirected, for a test that reads it as it comes (and signals or kills it).</summary>
    public static Process Start(IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(ProgramPath);
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (environment is not null) foreach (var (k, v) in environment) psi.Environment[k] = v;
        return Process.Start(psi)!;
    }
}
