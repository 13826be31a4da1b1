namespace AlexNet.Model;

/// <summary>How an fp16 run's loss scale behaves (alexnet.train.loss-scale-mode).</summary>
public enum LossScaleMode
{
    /// <summary>
    /// As PyTorch's GradScaler: a step whose gradients overflow is skipped (no update) and halves the
    /// scale; after a run of finite steps the scale doubles, so it stays near the largest that fits.
    /// </summary>
    Dynamic,
    /// <summary>The scale never changes; a step whose gradients overflow stops the run with a message.</summary>
    Static,
}

public static class LossScaleModes
{
    public static string Name(this LossScaleMode m) => m == LossScaleMode.Static ? "static" : "dynamic";

    /// <summary>Parses "dynamic" or "static"; null for anything else.</summary>
    public static LossScaleMode? Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "dynamic" => LossScaleMode.Dynamic,
        "static" => LossScaleMode.Static,
        _ => null,
    };
}

/// <summary>What to do with a step once its gradients are known to be finite or not.</summary>
public enum LossScaleVerdict
{
    /// <summary>Gradients finite: apply the update.</summary>
    Apply,
    /// <summary>Gradients overflowed: drop them, keep the weights and momentum; the scale was halved.</summary>
    Skip,
    /// <summary>Gradients overflowed and no smaller scale is allowed (static, or already at 1): stop the run.</summary>
    Stop,
}

/// <summary>
/// The loss scale of an fp16 run, step by step. The scale is a power of two between 1 and
/// <see cref="MaxScale"/>, so scaling and unscaling fp32 gradients stay exact. Runs other than fp16
/// have a constant scale of 1 and never skip. Its state is part of a checkpoint, so a resumed run
/// goes on with the scale it had.
/// </summary>
public sealed class LossScaler
{
    /// <summary>2^24: far above what fp16 activations' gradients ever need; a bound so the scale cannot grow without end.</summary>
    public const double MaxScale = 16_777_216;

    private readonly bool _active;
    private readonly LossScaleMode _mode;
    private readonly int _growthInterval;

    public LossScaler(ComputeOptions compute)
    {
        _active = compute.ScalesLoss;
        _mode = compute.LossScaleMode;
        _growthInterval = compute.LossScaleGrowthInterval;
        Scale = _active ? compute.LossScale : 1;
    }

    /// <summary>The multiplier of the next step's gradients.</summary>
    public double Scale { get; private set; }

    /// <summary>Whether the steps' gradients must be checked (fp16); otherwise every step applies.</summary>
    public bool ChecksGradients => _active;

    /// <summary>Finite steps in a row since the scale last changed.</summary>
    public int GoodSteps { get; private set; }

    /// <summary>Steps skipped because their gradients overflowed, over the whole run.</summary>
    public long SkippedSteps { get; private set; }

    /// <summary>Takes the verdict on a step whose gradients were (not) all finite, and moves the scale.</summary>
    public LossScaleVerdict AfterStep(bool gradientsFinite)
    {
        if (!_active) return LossScaleVerdict.Apply;
        if (gradientsFinite)
        {
            if (_mode == LossScaleMode.Dynamic && ++GoodSteps >= _growthInterval)
            {
                Scale = Math.Min(MaxScale, Scale * 2);
                GoodSteps = 0;
            }
            return LossScaleVerdict.Apply;
        }
        if (_mode == LossScaleMode.Static || Scale <= 1) return LossScaleVerdict.Stop;
        Scale /= 2;
        GoodSteps = 0;
        SkippedSteps++;
        return LossScaleVerdict.Skip;
    }

    /// <summary>
    /// Continues from a checkpoint's state. Only a dynamic scale is taken over: a static one is the
    /// configured value, which the user may just have lowered after an overflow stopped the run.
    /// </summary>
    public void Restore(double scale, int goodSteps, long skippedSteps)
    {
        if (!_active) return;
        SkippedSteps = skippedSteps;
        if (_mode == LossScaleMode.Static || scale < 1) return;
        Scale = Math.Min(MaxScale, scale);
        GoodSteps = goodSteps;
    }
}
