using Xunit;

namespace AlexNet.Cli.Tests;

public class InfoCommandTests
{
    [Fact]
    public void Info_prints_the_papers_parameter_count()
    {
        var r = AlexNetProcess.Run(TimeSpan.FromMinutes(2), "info");
        Assert.Equal(0, r.ExitCode);
        Assert.EndsWith("parameters: 60965224", r.Stdout.TrimEnd());
        Assert.Contains("[128x13x13]", r.Stdout);
    }

    [Fact]
    public void A_bad_value_gives_one_line_naming_it_and_exit_2()
    {
        var r = AlexNetProcess.Run(TimeSpan.FromMinutes(2), "info", "--crop", "40");
        Assert.Equal(2, r.ExitCode);
        var line = Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.Contains("'crop' = 40", line);
    }

    [Fact]
    public void An_unknown_option_is_refused()
    {
        var r = AlexNetProcess.Run(TimeSpan.FromMinutes(2), "info", "--tower", "2");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--tower", r.Stderr);
    }
}

public class DevicesCommandTests
{
    [Fact]
    public void Asking_for_cuda_without_one_gives_one_line_and_exit_2()
    {
        var r = AlexNetProcess.Run(TimeSpan.FromMinutes(2), "devices", "--device", "cuda");
        if (r.ExitCode == 0) return; // a machine with CUDA: nothing to refuse
        Assert.Equal(2, r.ExitCode);
        var line = Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.Contains("CUDA is not available", line);
    }

    [Fact]
    public void The_cpu_backend_loads()
    {
        var r = AlexNetProcess.Run(TimeSpan.FromMinutes(2), "devices");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("selected: cpu", r.Stdout.ToLowerInvariant());
    }
}
