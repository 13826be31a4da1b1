namespace AlexNet.Model;

/// <summary>
/// How the towers and the reference run their arithmetic and feed their device: the speed variants
/// of `alexnet bench`. The default (fp32, contiguous) computes exactly what the network computed
/// before these options existed, bit for bit, through the modules' own forward calls.
/// </summary>
public sealed record ComputeOptions
{
    public static readonly ComputeOptions Default = new();

    /// <summary>Layout of convolution inputs and weights (alexnet.model.memory-format).</summary>
    public MemoryFormat MemoryFormat { get; init; } = MemoryFormat.Contiguous;

    /// <summary>Type of the convolutions and linear layers (alexnet.train.precision).</summary>
    public Precision Precision { get; init; } = Precision.Fp32;

    /// <summary>
    /// fp16 only: gradients inside the fp16 layers are this many times the true ones and divided
    /// back in fp32 (alexnet.train.loss-scale). A power of two, so scaling and unscaling are exact.
    /// With a dynamic scale, the one the run starts from (PyTorch's GradScaler starts at 2^16 too).
    /// </summary>
    public double LossScale { get; init; } = 65536;

    /// <summary>fp16 only: whether the loss scale follows the gradients (alexnet.train.loss-scale-mode); see <see cref="LossScaler"/>.</summary>
    public LossScaleMode LossScaleMode { get; init; } = LossScaleMode.Dynamic;

    /// <summary>Dynamic fp16 scale: doubled after this many steps in a row with finite gradients (alexnet.train.loss-scale-growth-interval).</summary>
    public int LossScaleGrowthInterval { get; init; } = 2000;

    /// <summary>
    /// Copy batches from page-locked host memory without blocking the host thread, when the device is
    /// CUDA (alexnet.train.pinned-memory). No effect on the CPU.
    /// </summary>
    public bool PinnedMemory { get; init; } = true;

    /// <summary>Whether gradients are loss-scaled and checked for overflow (<see cref="LossScaler"/>): fp16 only.</summary>
    public bool ScalesLoss => Precision == Precision.Fp16;

    /// <summary>True when the layers run as the modules' own fp32, NCHW forward.</summary>
    public bool IsDefaultMath => MemoryFormat == MemoryFormat.Contiguous && Precision == Precision.Fp32;

    /// <summary>Throws <see cref="InvalidModelConfigException"/> naming the bad key.</summary>
    public ComputeOptions Validate()
    {
        if (!(LossScale >= 1 && LossScale <= LossScaler.MaxScale) || Math.ScaleB(1.0, Math.ILogB(LossScale)) != LossScale)
            throw new InvalidModelConfigException("train.loss-scale", LossScale, $"a power of two from 1 to {LossScaler.MaxScale} (2^24)");
        if (LossScaleGrowthInterval < 1)
            throw new InvalidModelConfigException("train.loss-scale-growth-interval", LossScaleGrowthInterval, "at least 1 step");
        return this;
    }

    /// <summary>e.g. "bf16 channels-last" or "fp16 (loss scale 65536, dynamic) contiguous, unpinned".</summary>
    public override string ToString() =>
        Precision.Name() + (Precision == Precision.Fp16 ? $" (loss scale {LossScale}, {LossScaleMode.Name()})" : "") + " " + MemoryFormat.Name() +
        (PinnedMemory ? "" : ", unpinned");
}
