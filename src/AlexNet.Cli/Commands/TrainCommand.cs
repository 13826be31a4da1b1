using System.Runtime.InteropServices;
using AlexNet.Actors.Checkpoints;
using AlexNet.Actors.Hosting;
using AlexNet.Actors.Inference;
using AlexNet.Actors.Loading;
using AlexNet.Actors.Protocol;
using AlexNet.Cli.Telemetry;

namespace AlexNet.Cli.Commands;

/// <summary>`alexnet train`: the whole trainer in one process (towers, loaders, coordinator as actors).</summary>
public sealed class TrainCommand : ICommand
{
    public string Name => "train";
    public string Summary => "train AlexNet with tower, loader and coordinator actors in this process";
    public string Usage => "usage: alexnet train [options]\n" + TrainFlags.Help + "\n" + TelemetrySettings.Help +
        "\nWith no options (--data auto): Fashion-MNIST when Debian's dataset-fashion-mnist is installed (imported and prepared once;\n" +
        "preset fashion-mnist-quick: crop 64 of 72x72, width 0.25, 2 towers, batch 128, 2 epochs, 1-2 minutes on 2 cores),\n" +
        "else the synthetic set (preset quickstart: 10 classes, 2048 + 512 images, crop 64, width 0.25, 2 towers, batch 64, 8 epochs, under a minute).";

    public int Run(CliArgs args)
    {
        var config = TrainFlags.Load(args, TelemetrySettings.Flags);
        var run = RunConfiguration.From(config);
        var telemetry = TelemetrySettings.From(config, run.Training.CheckpointDir);
        args.RejectUnknown(Name);
        if (args.Positional.Count > 0) throw new UsageException($"unexpected argument '{args.Positional[0]}'");
        if (run.Training.CheckpointDir is { } checkpointDir) OutputFolders.CheckWritable(checkpointDir, "alexnet.checkpoint.dir");
        using var folderLock = run.Training.CheckpointDir is { } locked ? LockCheckpoints(locked) : null;
        if (run.Training.CheckpointDir is { } existing && !run.Training.Resume && new CheckpointStore(existing).Folders().Any())
            throw new ConfigurationFileException($"alexnet.checkpoint.resume = off: {existing} already holds checkpoints; choose another folder, or resume");
        if (telemetry.RunDir is { } runDir) OutputFolders.CheckWritable(runDir, "alexnet.telemetry.run-dir");
        var data = DataSources.Resolve(run.Data, Console.Out);
        // Off too on a GPU: libtorch starts with cuDNN's TF32 on, so `tf32 = off` would still convolve in TF32.
        if (run.Tf32 || AlexNet.Model.ComputeDevice.CudaIndex(run.Device) is not null) AlexNet.Model.ComputeDevice.UseTf32(run.Tf32);
        var model = CheckAgainstData(run, data);
        if (run.Training.CheckpointDir is { } resumable && run.Training.Resume) CheckResumable(resumable, model, run, data);
        Console.WriteLine($"model: {model}; " +
                          $"batch {run.Training.BatchSize}, lr {run.Training.LearningRate}, {run.Training.Epochs} epoch(s)" +
                          (run.Training.MaxSteps > 0 ? $" or {run.Training.MaxSteps} steps" : "") +
                          $", {run.Data.Loaders} loader(s), device {run.Device}, seed {run.Training.Seed}" +
                          (run.Training.Compute == AlexNet.Model.ComputeOptions.Default ? "" : $", {run.Training.Compute}"));
        using var recorder = telemetry.RunDir is { } folder
            ? new RunRecorder(folder, telemetry.TensorBoard, model, line => Console.Error.WriteLine("warning: " + line))
            : null;
        if (recorder is not null)
            Console.WriteLine($"run folder: {recorder.Folder} (metrics.csv, curves.png{(run.Training.CheckpointDir is null ? "" : ", filters.png")}" +
                              $"{(recorder.EventFile is null ? "" : $"; tensorboard --logdir {recorder.Folder}")})");
        var options = new LocalRunOptions(run.Model, run.Training, data, run.Data.Augmentation, run.Data.Loaders, run.Device, run.IntraOpThreads);
        var stop = new StopSignal();
        int signal = 0;
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => OnSignal(c, "SIGINT", 130));
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => OnSignal(c, "SIGTERM", 143));
        void Record(object e)
        {
            // What predict needs from the training set travels with the checkpoints. Written once the
            // coordinator has accepted the folder (resume, model, seed): a run it refuses must not
            // leave another run's checkpoints with this run's mean image and class names.
            if (e is TrainingStarted && run.Training.CheckpointDir is { } checkpoints) SaveAssets(checkpoints, data);
            recorder?.OnEvent(e);
        }
        try
        {
            if (telemetry.LiveDisplay)
            {
                var finished = new LiveDisplay(run.Training.Epochs).Show(report =>
                    LocalRun.RunAsync(options, e => { Record(e); report(e); }, stop: stop).GetAwaiter().GetResult());
                TrainingConsole.Print(finished);
            }
            else LocalRun.RunAsync(options, e => { Record(e); TrainingConsole.Print(e); }, stop: stop).GetAwaiter().GetResult();
            return 0;
        }
        catch (TrainingFailedException e)
        {
            Console.Error.WriteLine($"alexnet train: training failed: {e.Message}");
            return 1;
        }
        catch (TrainingStoppedException e)
        {
            var s = e.Stopped;
            Console.Error.WriteLine($"alexnet train: stopped after step {s.Steps} ({s.Reason}); " +
                (s.Checkpoint is { } c ? $"the same command resumes from {c}" : run.Training.CheckpointDir is null ? "no checkpoint (no --checkpoint-dir)" : "no checkpoint written yet"));
            return signal;
        }

        // The first SIGINT or SIGTERM (Ctrl+C, `kill`, a Kubernetes pod's termination) stops the run after
        // the step in progress and its checkpoint; a second one ends the process at once.
        void OnSignal(PosixSignalContext context, string name, int exitCode)
        {
            if (Interlocked.CompareExchange(ref signal, exitCode, 0) != 0) return; // the default action: exit now
            context.Cancel = true;
            Console.Error.WriteLine($"alexnet train: {name}: stopping after the step in progress" +
                                    (run.Training.CheckpointDir is null ? "" : " and its checkpoint") + $"; {name} again stops at once");
            stop.Request($"{name} received");
        }
    }

    /// <summary>
    /// The checkpoint this run would resume, checked as the coordinator will check it (model, seed, batch
    /// size, training set), so that a run that cannot resume is refused before anything starts (exit 2).
    /// </summary>
    private static void CheckResumable(string folder, AlexNet.Model.AlexNetConfig model, RunConfiguration run, LoaderData data)
    {
        (string Folder, CheckpointManifest Manifest)? latest;
        try { latest = new CheckpointStore(folder).LatestValid(model, _ => { }); }
        catch (InvalidDataException e)
        {
            throw new ConfigurationFileException($"alexnet.checkpoint.dir = {folder}: {e.Message} (remove them, or choose another folder to start over)");
        }
        if (latest is { } r && ResumeTerms.Refusal(r.Folder, r.Manifest.State, run.Training, data.Train.Count, data.Name) is { } refusal)
            throw new ConfigurationFileException($"alexnet.checkpoint.dir = {folder}: {refusal}");
    }

    private static CheckpointFolderLock LockCheckpoints(string folder)
    {
        try { return CheckpointFolderLock.Acquire(folder); }
        catch (IOException e) { throw new ConfigurationFileException($"alexnet.checkpoint.dir = {folder}: {e.Message}"); }
    }

    private static void SaveAssets(string folder, LoaderData data)
    {
        try { DatasetAssets.Save(folder, data.Statistics, data.Train.Count, data.Train.ClassNames); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"warning: could not write {DatasetAssets.StatisticsFile} and {DatasetAssets.ClassesFile} into {folder}: {e.Message} " +
                                    "(training goes on; predict will need --data with the prepared training set)");
        }
    }

    /// <summary>
    /// The run's model with the data's class count, once the checks the coordinator would make
    /// are passed here, before any actor starts: a refusal is then one line naming the key.
    /// </summary>
    public static AlexNet.Model.AlexNetConfig CheckAgainstData(RunConfiguration run, LoaderData data)
    {
        int classes = data.Train.ClassNames.Count, side = data.Train.ImageSide;
        if (run.Model.Classes > 0 && run.Model.Classes != classes)
            throw new ConfigurationFileException($"alexnet.model.classes = {run.Model.Classes}: the data {data.Name} has {classes} classes (0 takes the count from the data)");
        var model = run.Model with { Classes = classes };
        try { model.Validate(); }
        catch (AlexNet.Model.InvalidModelConfigException e)
        {
            throw new ConfigurationFileException($"alexnet.model.{e.Key} = {e.Value}: expected {e.Expected} (the data {data.Name} has {classes} classes)");
        }
        if (model.Crop > side)
            throw new ConfigurationFileException($"alexnet.model.crop = {model.Crop}: expected at most {side}, the side of the stored images of {data.Name}");
        if (data.Train.Count < run.Training.BatchSize)
            throw new ConfigurationFileException($"alexnet.train.batch-size = {run.Training.BatchSize}: expected at most {data.Train.Count}, the training images of {data.Name}");
        return model;
    }
}
