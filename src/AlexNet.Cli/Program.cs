using AlexNet.Cli;
using AlexNet.Cli.Commands;
using AlexNet.Model;

// alexnet COMMAND [options]. Exit codes: 0 success, 1 failure, 2 bad usage, bad input or
// unavailable device (one clear line on stderr). Any other exception is one line as well
// ("unexpected error: TYPE: message", exit code 1), with the stack trace when ALEXNET_DEBUG=1.
ICommand[] commands =
{
    new InfoCommand(),
    new DevicesCommand(),
    new TrainCommand(),
    new NodeCommand(),
    new BenchCommand(),
    new PrepareCommand(),
    new ImportCommand(),
    new BenchLoaderCommand(),
    new EvalCommand(),
    new ExportCommand(),
    new ImportWeightsCommand(),
    new FiltersCommand(),
    new PredictCommand(),
    new NeighboursCommand(),
};

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.WriteLine("alexnet - the 2012 AlexNet, trained as Akka.NET actors (one tower actor per GPU)\n");
    Console.WriteLine("usage: alexnet COMMAND [options]   (alexnet COMMAND --help for its options)\n");
    foreach (var c in commands) Console.WriteLine($"  {c.Name,-14} {c.Summary}");
    return args.Length == 0 ? 2 : 0;
}

var command = commands.FirstOrDefault(c => c.Name == args[0]);
if (command is null)
{
    Console.Error.WriteLine($"alexnet: unknown command '{args[0]}' (try 'alexnet --help')");
    return 2;
}
if (args.Skip(1).Any(a => a is "-h" or "--help"))
{
    Console.WriteLine(command.Usage);
    return 0;
}
try
{
    ComputeDevice.PreloadLibTorch(); // LIBTORCH_PATH's libtorch, before anything touches TorchSharp
    return command.Run(new CliArgs(args.Skip(1), command.Flags));
}
catch (Exception e) when (e is DllNotFoundException || e is TypeInitializationException { InnerException: DllNotFoundException or NotSupportedException })
{
    var missing = e is DllNotFoundException ? e : e.InnerException!;
    Console.Error.WriteLine($"alexnet {command.Name}: libtorch could not be loaded ({missing.Message.Split('\n')[0].Trim()}); " +
                            $"a build with -p:AlexNetBringYourOwnLibTorch=true needs {ComputeDevice.LibTorchPathVariable} set to a libtorch lib folder");
    return 2;
}
catch (Exception e) when (e is UsageException or InvalidModelConfigException or DeviceUnavailableException
                           or AlexNet.Actors.Hosting.ConfigurationFileException or AlexNet.Data.DataFormatException
                           or AlexNet.Actors.Inference.ModelInputException)
{
    Console.Error.WriteLine($"alexnet {command.Name}: {e.Message}");
    return 2;
}
catch (Exception e)
{
    // The last resort: a failure no check above foresaw is one line too; ALEXNET_DEBUG=1 adds the stack trace.
    Console.Error.WriteLine($"alexnet {command.Name}: unexpected error: {e.GetType().FullName}: {e.Message.Split('\n')[0].Trim()}" +
                            (Environment.GetEnvironmentVariable("ALEXNET_DEBUG") == "1" ? "" : " (set ALEXNET_DEBUG=1 for the stack trace)"));
    if (Environment.GetEnvironmentVariable("ALEXNET_DEBUG") == "1") Console.Error.WriteLine(e);
    return 1;
}
