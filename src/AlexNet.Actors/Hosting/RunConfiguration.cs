using Akka.Configuration;
using AlexNet.Actors.Training;
using AlexNet.Data;
using AlexNet.Model;

namespace AlexNet.Actors.Hosting;

/// <summary>Data settings of a run (keys under alexnet.data).</summary>
public sealed record DataSettings(string Source, int Loaders, AugmentationSettings Augmentation,
    int SyntheticTrain, int SyntheticValidation, int SyntheticClasses, int SyntheticSide, string CacheDir, int FashionMnistSize,
    JpegDecoder JpegDecoder = JpegDecoder.ImageSharp);

/// <summary>The typed view of the `alexnet { ... }` configuration; every value is checked and a bad one names its key.</summary>
public sealed record RunConfiguration(AlexNetConfig Model, TrainingSettings Training, DataSettings Data, string Device, int IntraOpThreads, bool Tf32)
{
    public static RunConfiguration From(Config c)
    {
        var model = new AlexNetConfig
        {
            Towers = Int(c, "alexnet.model.towers"),
            Classes = Int(c, "alexnet.model.classes"),
            Width = Double(c, "alexnet.model.width"),
            Crop = Int(c, "alexnet.model.crop"),
            Dropout = Double(c, "alexnet.model.dropout"),
        };
        var form = Str(c, "alexnet.train.momentum-form") switch
        {
            "paper" => MomentumForm.Paper,
            "pytorch" => MomentumForm.PyTorch,
            var other => throw new ConfigurationFileException($"alexnet.train.momentum-form = {other}: expected paper or pytorch"),
        };
        var schedule = new ScheduleSettings(
            Str(c, "alexnet.train.schedule.kind"), Double(c, "alexnet.train.schedule.factor"), Int(c, "alexnet.train.schedule.patience"),
            Int(c, "alexnet.train.schedule.max-reductions"), Double(c, "alexnet.train.schedule.threshold"),
            Int(c, "alexnet.train.schedule.step-epochs"), Double(c, "alexnet.train.schedule.warmup-epochs"), Double(c, "alexnet.train.schedule.min-rate"));
        var training = new TrainingSettings
        {
            BatchSize = Int(c, "alexnet.train.batch-size"),
            Epochs = Int(c, "alexnet.train.epochs"),
            MaxSteps = Long(c, "alexnet.train.max-steps"),
            LearningRate = Double(c, "alexnet.train.learning-rate"),
            Momentum = Double(c, "alexnet.train.momentum"),
            WeightDecay = Double(c, "alexnet.train.weight-decay"),
            MomentumForm = form,
            Seed = Long(c, "alexnet.train.seed"),
            LogEvery = Int(c, "alexnet.train.log-every"),
            Schedule = schedule,
            MaxBatchesInFlight = Int(c, "alexnet.coordinator.max-batches-in-flight"),
            StepTimeout = Duration(c, "alexnet.coordinator.step-timeout"),
            ValidationBatchSize = Int(c, "alexnet.coordinator.validation-batch-size"),
            CheckpointDir = Str(c, "alexnet.checkpoint.dir") is { Length: > 0 } dir ? ExpandHome(dir) : null,
            CheckpointEverySteps = Int(c, "alexnet.checkpoint.every-steps"),
            KeepCheckpoints = Int(c, "alexnet.checkpoint.keep-last"),
            Resume = Bool(c, "alexnet.checkpoint.resume"),
            Compute = new ComputeOptions
            {
                MemoryFormat = MemoryFormats.Parse(Str(c, "alexnet.model.memory-format"))
                    ?? throw new ConfigurationFileException($"alexnet.model.memory-format = {Str(c, "alexnet.model.memory-format")}: expected contiguous or channels-last"),
                Precision = Precisions.Parse(Str(c, "alexnet.train.precision"))
                    ?? throw new ConfigurationFileException($"alexnet.train.precision = {Str(c, "alexnet.train.precision")}: expected fp32, bf16 or fp16"),
                LossScale = Double(c, "alexnet.train.loss-scale"),
                LossScaleMode = LossScaleModes.Parse(Str(c, "alexnet.train.loss-scale-mode"))
                    ?? throw new ConfigurationFileException($"alexnet.train.loss-scale-mode = {Str(c, "alexnet.train.loss-scale-mode")}: expected dynamic or static"),
                LossScaleGrowthInterval = Int(c, "alexnet.train.loss-scale-growth-interval"),
                PinnedMemory = Bool(c, "alexnet.train.pinned-memory"),
            },
        };
        var data = new DataSettings(
            Str(c, "alexnet.data.source"), Int(c, "alexnet.data.loaders"),
            new AugmentationSettings(model.Crop, Bool(c, "alexnet.data.flip"), Double(c, "alexnet.data.lighting-std")),
            Int(c, "alexnet.data.synthetic.train-images"), Int(c, "alexnet.data.synthetic.val-images"),
            Int(c, "alexnet.data.synthetic.classes"), Int(c, "alexnet.data.synthetic.side"),
            ExpandHome(Str(c, "alexnet.data.cache-dir")), Int(c, "alexnet.data.fashion-mnist-size"), JpegDecoderOf(Str(c, "alexnet.data.jpeg-decoder")));
        if (data.Loaders < 1) throw new ConfigurationFileException($"alexnet.data.loaders = {data.Loaders}: expected at least 1");
        if (!(data.Augmentation.LightingStd >= 0))
            throw new ConfigurationFileException($"alexnet.data.lighting-std = {Invariant(data.Augmentation.LightingStd)}: expected 0 (no lighting noise) or more");
        if (data.SyntheticTrain < 1) throw new ConfigurationFileException($"alexnet.data.synthetic.train-images = {data.SyntheticTrain}: expected at least 1");
        if (data.SyntheticValidation < 1) throw new ConfigurationFileException($"alexnet.data.synthetic.val-images = {data.SyntheticValidation}: expected at least 1");
        if (data.SyntheticClasses < 2) throw new ConfigurationFileException($"alexnet.data.synthetic.classes = {data.SyntheticClasses}: expected at least 2");
        if (data.SyntheticSide is < 0 or (> 0 and < 8))
            throw new ConfigurationFileException($"alexnet.data.synthetic.side = {data.SyntheticSide}: expected 0 (the crop plus an eighth) or at least 8");
        if (data.FashionMnistSize < 1) throw new ConfigurationFileException($"alexnet.data.fashion-mnist-size = {data.FashionMnistSize}: expected a positive side in pixels");
        int threads = Int(c, "alexnet.tower.intra-op-threads");
        if (threads < 0) throw new ConfigurationFileException($"alexnet.tower.intra-op-threads = {threads}: expected 0 (cores / towers) or more");
        try { training.Check(); }
        catch (InvalidModelConfigException e) { throw Named(e); }
        return new RunConfiguration(CheckModel(model), training, data, Str(c, "alexnet.train.device"), threads,
            Bool(c, "alexnet.train.tf32"));
    }

    /// <summary>
    /// The model keys checked before anything starts (the coordinator checks them again once the
    /// data's class count is known); classes = 0 means "from the data".
    /// </summary>
    private static AlexNetConfig CheckModel(AlexNetConfig model)
    {
        if (model.Classes is < 0 or 1)
            throw new ConfigurationFileException($"alexnet.model.classes = {model.Classes}: expected 0 (the count of the data's classes) or at least 2");
        try { (model.Classes > 0 ? model : model with { Classes = Math.Max(2, model.Towers) }).Validate(); }
        catch (InvalidModelConfigException e) { throw Named(e, "model."); }
        return model;
    }

    /// <summary>The exception as a bad value of its alexnet.* key.</summary>
    private static ConfigurationFileException Named(InvalidModelConfigException e, string section = "") =>
        new($"alexnet.{section}{e.Key} = {Invariant(e.Value)}: expected {e.Expected}");

    private static string Invariant(object value) => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "";

    private static JpegDecoder JpegDecoderOf(string setting)
    {
        try { return JpegDecoding.Resolve(setting); }
        catch (ArgumentException e) { throw new ConfigurationFileException(e.Message); }
    }

    private static string ExpandHome(string path) =>
        path.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[2..]) : path;

    private static T Get<T>(Config c, string key, Func<string, T> read, string expected)
    {
        if (!c.HasPath(key)) throw new ConfigurationFileException($"{key} is missing (expected {expected})");
        try { return read(key); }
        catch (Exception e) when (e is not ConfigurationFileException)
        {
            throw new ConfigurationFileException($"{key} = {c.GetString(key, "?")}: expected {expected}");
        }
    }

    private static int Int(Config c, string key) => Get(c, key, k => c.GetInt(k), "an integer");
    private static long Long(Config c, string key) => Get(c, key, k => c.GetLong(k), "an integer");
    private static double Double(Config c, string key) => Get(c, key, k => c.GetDouble(k), "a number");
    private static bool Bool(Config c, string key) => Get(c, key, k => c.GetBoolean(k), "on or off");
    private static string Str(Config c, string key) => Get(c, key, k => c.GetString(k), "a string");
    private static TimeSpan Duration(Config c, string key) => Get(c, key, k => c.GetTimeSpan(k), "a duration such as 10m");
}
