namespace AlexNet.Actors.Training;

/// <summary>
/// The learning rate for each step. <see cref="Plateau"/> is the paper's rule ("divide by 10 when
/// the validation error stops improving"); <see cref="Step"/> and <see cref="Cosine"/> are the
/// common alternatives. The state that decides future rates is exposed for checkpoints.
/// </summary>
public abstract class LearningRateSchedule
{
    protected LearningRateSchedule(double baseRate) => BaseRate = baseRate;
    public double BaseRate { get; }

    /// <summary>Rate for a step at <paramref name="epochPosition"/> = epoch + fraction of it done (0-based).</summary>
    public abstract double RateAt(long step, double epochPosition);

    /// <summary>Told the validation top-1 error after each epoch; returns true when the rate changed.</summary>
    public virtual bool OnValidation(int epoch, double validationError) => false;

    /// <summary>Numbers that, with the settings, fully restore the schedule.</summary>
    public virtual double[] State => Array.Empty<double>();
    public virtual void Restore(double[] state) { }

    public static LearningRateSchedule Create(ScheduleSettings s, double baseRate, int epochs, long stepsPerEpoch, long maxSteps)
    {
        LearningRateSchedule schedule = s.Kind switch
        {
            "plateau" => new Plateau(baseRate, s.Factor, s.Patience, s.MaxReductions, s.Threshold),
            "step" => new Step(baseRate, s.Factor, s.StepEpochs),
            "cosine" => new Cosine(baseRate, s.WarmupEpochs, TotalSteps(epochs, stepsPerEpoch, maxSteps), stepsPerEpoch, s.MinRate),
            _ => throw new ArgumentException($"unknown schedule '{s.Kind}'"),
        };
        return s.WarmupEpochs > 0 && s.Kind != "cosine" ? new WarmedUp(schedule, (long)Math.Round(s.WarmupEpochs * stepsPerEpoch)) : schedule;
    }

    /// <summary>
    /// Linear warm-up over the first steps in front of another schedule (Goyal et al., 2017): the
    /// first updates of a freshly initialised network are the largest and can drive its outputs to
    /// the class prior, where it then idles; a ramp avoids that. Off in the paper's settings.
    /// </summary>
    public sealed class WarmedUp(LearningRateSchedule inner, long warmupSteps) : LearningRateSchedule(inner.BaseRate)
    {
        public override double RateAt(long step, double epochPosition) =>
            inner.RateAt(step, epochPosition) * (step < warmupSteps ? (step + 1.0) / warmupSteps : 1.0);
        public override bool OnValidation(int epoch, double validationError) => inner.OnValidation(epoch, validationError);
        public override double[] State => inner.State;
        public override void Restore(double[] state) => inner.Restore(state);
    }

    private static long TotalSteps(int epochs, long stepsPerEpoch, long maxSteps)
    {
        long all = epochs * stepsPerEpoch;
        return maxSteps > 0 ? Math.Min(all, maxSteps) : all;
    }

    /// <summary>The paper's rule: ÷(1/factor) after `patience` epochs without improvement of the validation error.</summary>
    public sealed class Plateau(double baseRate, double factor, int patience, int maxReductions, double threshold) : LearningRateSchedule(baseRate)
    {
        private double _best = double.PositiveInfinity;
        private int _epochsWithoutImprovement;
        public int Reductions { get; private set; }

        public override double RateAt(long step, double epochPosition) => BaseRate * Math.Pow(factor, Reductions);

        public override bool OnValidation(int epoch, double validationError)
        {
            if (validationError < _best - threshold)
            {
                _best = validationError;
                _epochsWithoutImprovement = 0;
                return false;
            }
            if (++_epochsWithoutImprovement < patience || Reductions >= maxReductions) return false;
            Reductions++;
            _epochsWithoutImprovement = 0;
            return true;
        }

        public override double[] State => new[] { _best, _epochsWithoutImprovement, Reductions };
        public override void Restore(double[] state)
        {
            (_best, _epochsWithoutImprovement, Reductions) = (state[0], (int)state[1], (int)state[2]);
        }
    }

    /// <summary>rate = base · factor^⌊epoch / stepEpochs⌋.</summary>
    public sealed class Step(double baseRate, double factor, int stepEpochs) : LearningRateSchedule(baseRate)
    {
        public override double RateAt(long step, double epochPosition) =>
            BaseRate * Math.Pow(factor, Math.Floor(epochPosition / Math.Max(1, stepEpochs)));
    }

    /// <summary>Linear warm-up from base/warm-up-steps to base, then half a cosine down to minRate at the last step.</summary>
    public sealed class Cosine(double baseRate, double warmupEpochs, long totalSteps, long stepsPerEpoch, double minRate) : LearningRateSchedule(baseRate)
    {
        public override double RateAt(long step, double epochPosition)
        {
            long warmup = (long)Math.Round(warmupEpochs * stepsPerEpoch);
            if (step < warmup) return BaseRate * (step + 1) / warmup;
            double span = Math.Max(1, totalSteps - warmup);
            double t = Math.Clamp((step - warmup) / span, 0, 1);
            return minRate + (BaseRate - minRate) * 0.5 * (1 + Math.Cos(Math.PI * t));
        }
    }
}
