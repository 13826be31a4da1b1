using System.Runtime.CompilerServices;

namespace AlexNet.Data;

/// <summary>
/// Batch pixel buffers handed back and given out again, so a loader in the same process as its
/// consumer stops allocating a fresh N·3·S·S array per batch (19 MB for the paper's batch): the
/// kernel's zero-filling of new pages cost more than cropping the 128 images (docs/performance.md),
/// and each one is a large-object-heap allocation that brings the next full collection closer.
/// Thread-safe: loaders rent on their threads, the consumer returns on its own. Keeps at most
/// <paramref name="capacity"/> free buffers; a buffer never returned is simply collected.
/// </summary>
public sealed class PixelBufferPool(int capacity)
{
    private readonly object _gate = new();
    private readonly Dictionary<int, Stack<byte[]>> _free = new(); // by length: the last validation batch is shorter
    private readonly ConditionalWeakTable<byte[], StrongBox<int>> _holders = new(); // weak: a holder that never releases leaves the buffer to the GC
    private int _freeCount;
    private long _allocated, _reused;

    /// <summary>Buffers made because none of that length was free.</summary>
    public long Allocated => Interlocked.Read(ref _allocated);

    /// <summary>Buffers given out again.</summary>
    public long Reused => Interlocked.Read(ref _reused);

    /// <summary>A buffer of exactly <paramref name="length"/> bytes, with unspecified contents.</summary>
    public byte[] Rent(int length)
    {
        lock (_gate)
        {
            if (_free.TryGetValue(length, out var stack) && stack.TryPop(out var buffer))
            {
                _freeCount--;
                _reused++;
                return buffer;
            }
            _allocated++;
        }
        return GC.AllocateUninitializedArray<byte>(length); // every byte is written by the loader
    }

    /// <summary>
    /// Gives <paramref name="buffer"/> back: the caller must not read or write it afterwards, and
    /// neither may anyone it shared the buffer with. Dropped when the pool is full.
    /// </summary>
    public void Return(byte[] buffer)
    {
        lock (_gate)
        {
            if (_freeCount >= capacity) return;
            if (!_free.TryGetValue(buffer.Length, out var stack)) _free[buffer.Length] = stack = new Stack<byte[]>();
            stack.Push(buffer);
            _freeCount++;
        }
    }

    /// <summary>
    /// Hands <paramref name="buffer"/> to <paramref name="holders"/> readers (the coordinator sending a
    /// batch to K remote towers), each of which calls <see cref="Release"/> once it no longer reads it;
    /// the last release gives it back. A holder that never releases (a failed link) leaves it to the GC.
    /// </summary>
    public void Share(byte[] buffer, int holders)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(holders, 1);
        _holders.AddOrUpdate(buffer, new StrongBox<int>(holders));
    }

    /// <summary>One holder of a shared buffer is done with it; false if <paramref name="buffer"/> was not shared (nothing happens then).</summary>
    public bool Release(byte[] buffer)
    {
        if (!_holders.TryGetValue(buffer, out var left)) return false;
        if (Interlocked.Decrement(ref left.Value) == 0)
        {
            _holders.Remove(buffer);
            Return(buffer);
        }
        return true;
    }
}
