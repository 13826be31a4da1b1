using AlexNet.Data;
using Xunit;

namespace AlexNet.Data.Tests;

public class PixelBufferPoolTests
{
    [Fact]
    public void A_returned_buffer_is_given_out_again_for_the_same_length_only()
    {
        var pool = new PixelBufferPool(capacity: 4);
        var first = pool.Rent(1000);
        Assert.Equal(1000, first.Length);
        pool.Return(first);
        Assert.NotSame(first, pool.Rent(999)); // the short last batch of a pass gets its own
        Assert.Same(first, pool.Rent(1000));
        Assert.NotSame(first, pool.Rent(1000)); // given out once, not twice
        Assert.Equal((3L, 1L), (pool.Allocated, pool.Reused));
    }

    [Fact]
    public void A_shared_buffer_comes_back_only_when_its_last_holder_releases_it_concurrently_or_not()
    {
        var pool = new PixelBufferPool(capacity: 4);
        var buffer = pool.Rent(4096);
        pool.Share(buffer, holders: 3);
        Assert.True(pool.Release(buffer));
        Assert.True(pool.Release(buffer));
        Assert.NotSame(buffer, pool.Rent(4096)); // one holder still reads it
        Assert.True(pool.Release(buffer));
        Assert.Same(buffer, pool.Rent(4096));
        Assert.False(pool.Release(buffer)); // no longer shared: nothing happens
        Assert.False(pool.Release(new byte[8]));

        for (int round = 0; round < 200; round++) // the K data-channel writers release on their own threads
        {
            var shared = pool.Rent(4096);
            pool.Share(shared, holders: 4);
            Parallel.For(0, 4, _ => pool.Release(shared));
            Assert.Same(shared, pool.Rent(4096));
        }
    }

    [Fact]
    public void The_pool_keeps_at_most_its_capacity_of_free_buffers()
    {
        var pool = new PixelBufferPool(capacity: 2);
        var rented = Enumerable.Range(0, 5).Select(_ => pool.Rent(64)).ToList();
        rented.ForEach(pool.Return);
        var again = Enumerable.Range(0, 5).Select(_ => pool.Rent(64)).ToList();
        Assert.Equal(2, again.Count(b => rented.Any(r => ReferenceEquals(r, b))));
        Assert.Equal((8L, 2L), (pool.Allocated, pool.Reused));
    }

    [Fact]
    public async Task Loaders_and_a_consumer_on_different_threads_never_share_a_buffer()
    {
        var pool = new PixelBufferPool(capacity: 16); // more than can be held at once: none is dropped
        var held = new System.Collections.Concurrent.ConcurrentDictionary<byte[], byte>(ReferenceEqualityComparer.Instance);
        var queue = new System.Collections.Concurrent.BlockingCollection<byte[]>(boundedCapacity: 6);
        var loaders = Enumerable.Range(0, 3).Select(_ => Task.Run(() =>
        {
            for (int i = 0; i < 2000; i++)
            {
                var b = pool.Rent(256);
                Assert.True(held.TryAdd(b, 0), "a buffer was given out while another held it");
                queue.Add(b);
            }
        })).ToArray();
        var consumer = Task.Run(() =>
        {
            for (int i = 0; i < 6000; i++)
            {
                var b = queue.Take();
                Assert.True(held.TryRemove(b, out _));
                pool.Return(b);
            }
        });
        await Task.WhenAll(loaders.Append(consumer));
        Assert.Equal(6000L, pool.Allocated + pool.Reused);
        // Held at once: 6 queued, one in each loader's hand, one in the consumer's.
        Assert.True(pool.Allocated <= 6 + 3 + 1, $"{pool.Allocated} buffers made for at most 10 held at once");
    }
}
