namespace AlexNet.Data;

/// <summary>
/// Small, fast, reproducible random streams keyed by numbers (seed, epoch, sample...), so any
/// loader on any machine draws the same augmentation for the same sample, and a resumed run
/// repeats it.
/// </summary>
public struct SeededRandom
{
    private ulong _state;

    public SeededRandom(params long[] key)
    {
        ulong z = 0x243F6A8885A308D3UL;
        foreach (var k in key) z = Mix(z + 0x9E3779B97F4A7C15UL + (ulong)k);
        _state = z;
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64() => Mix(_state += 0x9E3779B97F4A7C15UL);

    /// <summary>Uniform integer in [0, bound).</summary>
    public int NextInt(int bound) => bound <= 1 ? 0 : (int)(NextUInt64() % (ulong)bound);

    /// <summary>Uniform double in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Standard normal (Box–Muller).</summary>
    public double NextGaussian()
    {
        double u1 = 1.0 - NextDouble(), u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>A permutation of 0..count-1 (Fisher–Yates).</summary>
    public static int[] Permutation(int count, params long[] key)
    {
        var rng = new SeededRandom(key);
        var p = new int[count];
        for (int i = 0; i < count; i++) p[i] = i;
        for (int i = count - 1; i > 0; i--)
        {
            int j = rng.NextInt(i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }
}
