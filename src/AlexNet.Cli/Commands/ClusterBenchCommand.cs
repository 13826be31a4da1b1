using System.Diagnostics;
using AlexNet.Actors.Hosting;
using AlexNet.Actors.Loading;
using AlexNet.Actors.Protocol;
using AlexNet.Actors.Training;
using AlexNet.Cluster.Bench;
using AlexNet.Cluster.Hosting;
using AlexNet.Data;
using AlexNet.Model;

namespace AlexNet.Cli.Commands;

/// <summary>
/// `alexnet bench --cluster`: the same training run in one process and as a cluster of separate
/// processes on this machine (coordinator, K tower nodes, L loader nodes, loopback TCP); images/s
/// and bytes moved per step for each; then the data channel's MB/s (plain and with TLS) against
/// Akka.Remote's for the same tensor messages. With --loader-sweep it measures loader processes instead (<see cref="LoaderSweep"/>).
/// </summary>
public static class ClusterBenchCommand
{
    public const string Usage = """
        usage: alexnet bench --cluster [--towers K] [--width W] [--crop S] [--batch B] [--steps N] [--warmup N]
                                       [--loaders L] [--threads T] [--wire-precision full|fp16|bf16] [--data-channel on|off]
                                       [--tensor ROWSxCOLS] [--messages M]
          defaults: K=2, width 0.25, crop 64, batch 64, 20 timed steps after 3 warm-up steps, 1 loader node,
          T = cores/K intra-op threads per tower in both runs; synthetic data (the same images in both runs).
          The wire comparison sends M=20 messages of a ROWSxCOLS float32 tensor (default 128x9216, the
          paper's fc6 input at batch 128: 4.7 MB) one at a time and pipelined, through Akka.Remote, the
          data channel, and the data channel with TLS (a self-signed certificate made for the run).

        """ + LoaderSweep.Usage;

    public static int Run(CliArgs args)
    {
        if (args.String("loader-sweep") is not null) return LoaderSweep.Run(args);
        int towers = args.Int("towers") ?? 2, crop = args.Int("crop") ?? 64, batch = args.Int("batch") ?? 64;
        double width = args.Double("width") ?? 0.25;
        int steps = args.Int("steps") ?? 20, warmup = args.Int("warmup") ?? 3, loaders = args.Int("loaders") ?? 1;
        int threads = args.Int("threads") ?? ComputeDevice.ThreadsPerWorker(towers);
        string precision = args.String("wire-precision") ?? "full", channel = args.String("data-channel") ?? "on";
        var tensor = (args.String("tensor") ?? "128x9216").Split('x').Select(long.Parse).ToArray();
        int messages = args.Int("messages") ?? 20;
        args.Flag("cluster");
        args.RejectUnknown("bench");
        if (steps < 2 || warmup < 1 || loaders < 1) throw new UsageException("--steps ≥ 2, --warmup ≥ 1 and --loaders ≥ 1 are required");
        var model = new AlexNetConfig { Towers = towers, Width = width, Crop = crop, Classes = 10 }.Validate();
        int trainImages = Math.Max(4 * batch, 256), side = crop + 8;

        Console.WriteLine($"bench --cluster: {model}, batch {batch}, {warmup} warm-up + {steps} timed steps, {loaders} loader(s), " +
                          $"{threads} thread(s) per tower, {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd}");

        // One process.
        var data = LoaderData.Synthetic(trainImages, batch, 10, side, seed: 1);
        var settings = new TrainingSettings { BatchSize = batch, Epochs = 1, MaxSteps = warmup + steps, Seed = 1, LogEvery = 1, LearningRate = 0.001 };
        var times = new List<double>();
        var clock = Stopwatch.StartNew();
        LocalRun.RunAsync(new LocalRunOptions(model, settings, data, new AugmentationSettings(crop), loaders, "cpu", threads), e =>
        {
            if (e is StepCompleted) lock (times) times.Add(clock.Elapsed.TotalSeconds);
        }).GetAwaiter().GetResult();
        double local = (times.Count - warmup) * batch / (times[^1] - times[warmup - 1]);
        Console.WriteLine($"in-process:    {local,8:F1} images/s   bytes between processes per step: 0 (tensors pass by reference)");

        // Separate processes.
        var dir = Directory.CreateTempSubdirectory("alexnet-bench-").FullName;
        try
        {
            var report = RunCluster(dir, model, batch, warmup + steps, loaders, threads, precision, channel, trainImages, side);
            var timed = report.StepTimes.Skip(warmup - 1).ToList();
            double rate = (timed.Count - 1) * batch / (timed[^1].Seconds - timed[0].Seconds);
            double perStep = (timed[^1].WireBytes - timed[0].WireBytes) / (double)(timed.Count - 1);
            Console.WriteLine($"multi-process: {rate,8:F1} images/s   bytes between processes per step: {perStep / 1e6:F2} MB " +
                              $"(data channel {channel}, wire precision {precision}; {1 + towers + loaders} processes)");
            Console.WriteLine($"multi-process/in-process throughput ratio: {rate / local:F3}");
        }
        finally { Directory.Delete(dir, recursive: true); }

        // The same tensors through both routes.
        foreach (var f in WireBenchmark.Run(tensor, messages))
            Console.WriteLine($"{f.Route,-17} {f.MessageBytes / 1e6:F2} MB messages: one at a time {f.SequentialMBps,7:F0} MB/s " +
                              $"({f.SequentialMsPerMessage:F1} ms each), pipelined {f.PipelinedMBps,7:F0} MB/s");
        return 0;
    }

    private static RunReport RunCluster(string dir, AlexNetConfig model, int batch, int totalSteps, int loaders, int threads,
        string precision, string channel, int trainImages, int side)
    {
        File.WriteAllText(Path.Combine(dir, "bench.conf"),
            $"alexnet.data.synthetic {{ train-images = {trainImages}, val-images = {batch}, classes = 10, side = {side} }}\n");
        var common = new[]
        {
            "--config", "bench.conf", "--data", "synthetic", "--towers", model.Towers.ToString(), "--width", model.Width.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--crop", model.Crop.ToString(), "--classes", "10", "--batch", batch.ToString(), "--steps", totalSteps.ToString(), "--epochs", "1",
            "--seed", "1", "--lr", "0.001", "--log-every", "1", "--loaders", "1", "--threads", threads.ToString(),
            "--wire-precision", precision, "--data-channel", channel,
        };
        var members = Enumerable.Repeat(new[] { "--roles", "tower", "--devices", "cpu" }, model.Towers)
            .Concat(Enumerable.Repeat(new[] { "--roles", "loader" }, loaders)).ToList();
        return LoopbackCluster.Run(dir, common, members, TimeSpan.FromMinutes(20)).Report;
    }
}
