using AlexNet.Actors.Hosting;
using AlexNet.Actors.Loading;
using AlexNet.Actors.Training;
using AlexNet.Data;
using AlexNet.Model;
using Xunit;

// Actor tests train real networks on 2 cores: one at a time keeps their timing predictable.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace AlexNet.Actors.Tests;

/// <summary>Small real configurations shared by the actor tests.</summary>
internal static class TestSetup
{
    public static Akka.Configuration.Config Akka => HoconFiles.Reference;

    public static AlexNetConfig Tiny(int towers) => new() { Towers = towers, Classes = 10, Width = 0.25, Crop = 64 };

    public static LoaderData Data(int train = 256, int validation = 64) => LoaderData.Synthetic(train, validation, 10, 72, seed: 1);

    public static AugmentationSettings Augmentation => new(Crop: 64, Flip: true, LightingStd: 0.1);

    public static ImageBatch TrainBatch(LoaderData data, long seed, int batchSize, long epoch, int index) =>
        new BatchAssembler(data.Train, data.Statistics, Augmentation, seed)
            .Assemble(epoch, index, new EpochPlan(seed, data.Train.Count, batchSize).Batch(epoch, index), BatchView.Train);
}
