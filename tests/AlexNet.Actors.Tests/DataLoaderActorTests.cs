using Akka.Actor;
using Akka.TestKit.Xunit2;
using AlexNet.Actors.Loading;
using AlexNet.Actors.Protocol;
using AlexNet.Data;
using Xunit;

namespace AlexNet.Actors.Tests;

public class DataLoaderActorTests() : TestKit(TestSetup.Akka)
{
    [Fact]
    public void A_loader_describes_its_data_and_builds_the_batch_asked_for()
    {
        var data = TestSetup.Data(train: 96, validation: 20);
        var loader = Sys.ActorOf(DataLoaderActor.Props(data, TestSetup.Augmentation, seed: 5));
        loader.Tell(new DescribeData());
        var d = ExpectMsg<DataDescription>();
        Assert.Equal((96, 20, 10, 72), (d.TrainCount, d.ValidationCount, d.ClassNames.Count, d.StoredSide));

        loader.Tell(new LoadBatch(DataSplit.Train, 2, 1, 16, BatchView.Train));
        var a = ExpectMsg<BatchReady>().Batch;
        Assert.Equal(new EpochPlan(5, 96, 16).Batch(2, 1), a.SampleIndices);
        Assert.Equal(16 * 3 * 64 * 64, a.Pixels.Length);

        loader.Tell(new LoadBatch(DataSplit.Train, 2, 1, 16, BatchView.Train));
        Assert.Equal(a.Pixels, ExpectMsg<BatchReady>().Batch.Pixels); // a pure function of (seed, epoch, index)

        loader.Tell(new LoadBatch(DataSplit.Validation, 0, 1, 16, BatchView.Centre));
        var v = ExpectMsg<BatchReady>().Batch;
        Assert.Equal(new[] { 16, 17, 18, 19 }, v.SampleIndices); // the last, partial validation batch
        Assert.All(v.Lighting, x => Assert.Equal(0f, x));
    }

    [Fact]
    public void A_loader_with_a_pool_writes_the_same_batch_into_a_buffer_handed_back()
    {
        var data = TestSetup.Data(train: 96, validation: 20);
        var fresh = Sys.ActorOf(DataLoaderActor.Props(data, TestSetup.Augmentation, seed: 5));
        var pool = new PixelBufferPool(capacity: 2);
        var pooled = Sys.ActorOf(DataLoaderActor.Props(data, TestSetup.Augmentation, seed: 5, pool));

        pooled.Tell(new LoadBatch(DataSplit.Train, 0, 0, 16, BatchView.Train));
        var first = ExpectMsg<BatchReady>().Batch.Pixels;
        pool.Return(first);
        pooled.Tell(new LoadBatch(DataSplit.Train, 0, 1, 16, BatchView.Train));
        var second = ExpectMsg<BatchReady>().Batch;
        Assert.Same(first, second.Pixels);
        fresh.Tell(new LoadBatch(DataSplit.Train, 0, 1, 16, BatchView.Train));
        Assert.Equal(ExpectMsg<BatchReady>().Batch.Pixels, second.Pixels); // every byte overwritten

        pooled.Tell(new LoadBatch(DataSplit.Validation, 0, 1, 16, BatchView.Centre));
        Assert.Equal(4 * 3 * 64 * 64, ExpectMsg<BatchReady>().Batch.Pixels.Length); // the short last batch
    }

    [Fact]
    public void A_batch_that_cannot_be_built_is_reported_not_dropped()
    {
        var loader = Sys.ActorOf(DataLoaderActor.Props(TestSetup.Data(train: 96, validation: 20), TestSetup.Augmentation, seed: 5));
        loader.Tell(new LoadBatch(DataSplit.Validation, 0, 5, 16, BatchView.Centre));
        var failed = ExpectMsg<BatchFailed>();
        Assert.Contains("past the end", failed.Reason);
    }
}
