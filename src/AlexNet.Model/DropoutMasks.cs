using static TorchSharp.torch;

namespace AlexNet.Model;

/// <summary>
/// Dropout masks as a pure function of (run seed, step, layer, tower): each mask comes from a
/// generator seeded with those four numbers. So a tower draws its masks without coordination,
/// the one-process reference can rebuild the very same masks, and a resumed run repeats them.
/// A mask holds 0 or 1/(1−p) (inverted dropout).
/// Masks are always drawn on the CPU and then moved to the device: TorchSharp 0.107 cannot make a
/// CUDA generator (its native THSGenerator_new ignores the device and returns a CPU generator), and
/// libtorch refuses a CPU generator for a CUDA tensor ("Expected a 'cuda' device type for generator
/// but found 'cpu'"), which failed every training step on a GPU at fc6. Drawing on the CPU also keeps
/// the masks, and so a run's weights, the same on every device.
/// </summary>
public sealed class DropoutMasks(long runSeed, long step, int towers, double p)
{
    public long Step => step;

    /// <summary>Mask for tower <paramref name="tower"/>'s <paramref name="units"/> outputs of fc6 or fc7.</summary>
    public Tensor ForTower(Segment layer, int tower, long batch, long units, Device device)
    {
        if (!layer.HasDropout()) throw new ArgumentException($"{layer} has no dropout", nameof(layer));
        if (p == 0) return ones(batch, units, device: device);
        using var scope = NewDisposeScope();
        using TorchSharp.Scalar scale = 1.0 / (1.0 - p); // held for the call (see Scalars)
        // The 0/1 pattern crosses as bytes (a quarter of the float mask), without blocking the
        // tower's thread on a GPU (page-locked staging, see HostCopy); the scaling runs on the device.
        var keep = HostCopy.ToDevice(KeepOnCpu(layer, tower, batch, units), device, pinned: true);
        return keep.to_type(ScalarType.Float32).mul(scale).MoveToOuterDisposeScope();
    }

    /// <summary>Which units tower <paramref name="tower"/> keeps: a CPU bool tensor [batch, units], the same for every device.</summary>
    public Tensor KeepOnCpu(Segment layer, int tower, long batch, long units)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(MixSeed(runSeed, step, (int)layer, tower), CPU);
        using TorchSharp.Scalar threshold = p; // held for the call (see Scalars)
        return rand(new[] { batch, units }, device: CPU, generator: generator).ge(threshold).MoveToOuterDisposeScope();
    }

    /// <summary>The full layer's mask: the towers' masks side by side, as the reference needs it.</summary>
    public Tensor Full(Segment layer, long batch, long units, Device device)
    {
        using var scope = NewDisposeScope();
        var parts = Enumerable.Range(0, towers).Select(t => ForTower(layer, t, batch, units / towers, device)).ToArray();
        return cat(parts, 1).MoveToOuterDisposeScope();
    }

    /// <summary>SplitMix64-style mixing so nearby (seed, step, layer, tower) give unrelated streams.</summary>
    public static ulong MixSeed(long seed, long step, int layer, int tower)
    {
        ulong z = (ulong)seed;
        foreach (ulong v in new[] { (ulong)step, (ulong)layer, (ulong)tower })
        {
            z += 0x9E3779B97F4A7C15UL + v;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
        }
        return z;
    }
}
