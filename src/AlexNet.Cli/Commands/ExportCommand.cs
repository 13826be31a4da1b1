using AlexNet.Actors.Inference;

namespace AlexNet.Cli.Commands;

/// <summary>`alexnet export`: a checkpoint's weights as one PyTorch-named state_dict (.safetensors or .pt).</summary>
public sealed class ExportCommand : ICommand
{
    public string Name => "export";
    public string Summary => "write a checkpoint's weights for PyTorch (.safetensors or .pt; module in the README)";
    public string Usage => "usage: alexnet export --checkpoint C --out FILE.safetensors|FILE.pt\n" + CheckpointOptions.Help + "\n" + """
          --out FILE          .safetensors (configuration in its metadata) or .pt (a pickled state_dict for torch.load)
        The tensors are the one-process network's, named conv1.weight ... fc8.bias as in the README's nn.Module.
        """;

    public int Run(CliArgs args)
    {
        var where = CheckpointOptions.Read(args);
        var output = args.String("out") ?? throw new UsageException("--out FILE is required (FILE.safetensors or FILE.pt)");
        args.RejectUnknown(Name);
        if (args.Positional.Count > 0) throw new UsageException($"unexpected argument '{args.Positional[0]}'");
        using var checkpoint = CheckpointOptions.Open(where);
        WeightFiles.Write(checkpoint.Network, output);
        long parameters = checkpoint.Network.parameters().Sum(p => p.numel());
        Console.WriteLine(CheckpointOptions.Describe(checkpoint));
        Console.WriteLine($"wrote {output}: {parameters} parameters in {checkpoint.Network.named_parameters().Count()} tensors, {new FileInfo(output).Length} bytes");
        return 0;
    }
}
