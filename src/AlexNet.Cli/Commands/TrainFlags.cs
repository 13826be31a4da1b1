using Akka.Configuration;
using AlexNet.Actors.Hosting;

namespace AlexNet.Cli.Commands;

/// <summary>The flags shared by `train` and `bench`, each overriding one HOCON key of hocon/alexnet.conf.</summary>
public static class TrainFlags
{
    public static readonly (string Flag, string Key)[] Map =
    {
        ("towers", "alexnet.model.towers"), ("classes", "alexnet.model.classes"), ("width", "alexnet.model.width"),
        ("crop", "alexnet.model.crop"), ("dropout", "alexnet.model.dropout"),
        ("batch", "alexnet.train.batch-size"), ("epochs", "alexnet.train.epochs"), ("steps", "alexnet.train.max-steps"),
        ("lr", "alexnet.train.learning-rate"), ("momentum", "alexnet.train.momentum"), ("weight-decay", "alexnet.train.weight-decay"),
        ("momentum-form", "alexnet.train.momentum-form"), ("seed", "alexnet.train.seed"), ("device", "alexnet.train.device"),
        ("log-every", "alexnet.train.log-every"), ("schedule", "alexnet.train.schedule.kind"),
        ("warmup", "alexnet.train.schedule.warmup-epochs"),
        ("data", "alexnet.data.source"), ("loaders", "alexnet.data.loaders"), ("jpeg-decoder", "alexnet.data.jpeg-decoder"), ("lighting", "alexnet.data.lighting-std"),
        ("prefetch", "alexnet.coordinator.max-batches-in-flight"), ("threads", "alexnet.tower.intra-op-threads"),
        ("checkpoint-dir", "alexnet.checkpoint.dir"), ("checkpoint-every", "alexnet.checkpoint.every-steps"),
        ("resume", "alexnet.checkpoint.resume"), ("tf32", "alexnet.train.tf32"),
        ("memory-format", "alexnet.model.memory-format"), ("precision", "alexnet.train.precision"),
        ("loss-scale", "alexnet.train.loss-scale"), ("loss-scale-mode", "alexnet.train.loss-scale-mode"),
        ("loss-scale-growth-interval", "alexnet.train.loss-scale-growth-interval"), ("pinned-memory", "alexnet.train.pinned-memory"),
    };

    public const string Help = """
          --config FILE       HOCON file layered over hocon/alexnet.conf (or preset:NAME for an embedded preset)
          --towers K          towers (default 2)             --classes N     classes (default: from the data)
          --width W           channel width multiplier (1)   --crop S        input crop side (224)
          --dropout P         dropout on fc6/fc7 (0.5)       --batch B       batch size (128)
          --epochs E          epochs (90)                    --steps S       stop after S steps (0: no limit)
          --lr R              initial learning rate (0.01)   --momentum M    (0.9)
          --weight-decay L    (0.0005)                       --momentum-form paper|pytorch
          --schedule K        plateau|step|cosine            --seed N        fixes weights, data order, dropout
          --warmup E          linear learning-rate warm-up over E epochs (0)
          --device D          cpu, cuda, cuda:N              --threads T     intra-op threads per CPU tower (0: cores/K)
          --data SRC          auto, synthetic, or a prepared dataset folder
          --jpeg-decoder D    JPEG records: auto, libjpeg-turbo, imagesharp (auto: libjpeg-turbo if installed)
          --loaders L         data-loader actors (2)         --lighting S    PCA lighting sigma (0.1)
          --prefetch N        batches in flight (4)          --log-every N   progress line every N steps
          --checkpoint-dir D  write checkpoints to D and resume from the newest usable one there
          --checkpoint-every N  also checkpoint every N steps  --resume on|off  (on)
          --tf32 on|off       TF32 math on Ampere+ GPUs (off)
          --memory-format contiguous|channels-last   layout of convolutions (contiguous)
          --precision fp32|bf16|fp16  type of conv/fc layers; weights, LRN and loss stay fp32 (fp32)
          --loss-scale S      fp16 gradient scale, a power of two; with a dynamic scale, the first (65536)
          --loss-scale-mode dynamic|static  fp16: skip overflowing steps and halve the scale, or stop (dynamic)
          --loss-scale-growth-interval N    dynamic fp16 scale: doubles after N finite steps in a row (2000)
          --pinned-memory on|off  CUDA: asynchronous batch copies from page-locked memory (on)
        """;

    public static RunConfiguration Read(CliArgs args) => RunConfiguration.From(Load(args));

    /// <summary>
    /// The layered configuration: these flags (and <paramref name="extraFlags"/>, for keys only one
    /// command reads) over <paramref name="below"/> (e.g. environment variables, lower than flags)
    /// over --config over the data source's CPU preset (quickstart for synthetic data,
    /// fashion-mnist-quick for Fashion-MNIST) over hocon/alexnet.conf.
    /// </summary>
    public static Config Load(CliArgs args, IEnumerable<(string Flag, string Key)>? extraFlags = null, IReadOnlyDictionary<string, string>? below = null)
    {
        var overrides = new Dictionary<string, string>(below ?? new Dictionary<string, string>());
        foreach (var (flag, key) in Map.Concat(extraFlags ?? Array.Empty<(string, string)>()))
            if (args.String(flag) is { } v) overrides[key] = HoconFiles.Value(v);
        var user = HoconFiles.ParseUserFile(args.String("config"));
        var plain = HoconFiles.Layer(user, overrides, preset: null);
        // `auto` picks the real small dataset when it is installed; the small data sources come with
        // a CPU-sized preset underneath the user's own settings.
        var source = plain.GetString("alexnet.data.source");
        if (source == "auto") overrides["alexnet.data.source"] = source = FashionMnistCache.Installed ? "fashion-mnist" : "synthetic";
        string? preset = source switch { "synthetic" => "quickstart", "fashion-mnist" => "fashion-mnist-quick", _ => null };
        return HoconFiles.Layer(user, overrides, preset);
    }
}
