namespace AlexNet.Data;

/// <summary>
/// The taps of a one-dimensional triangle (bilinear) resampling from <c>inLength</c> samples to a
/// window of <c>outLength</c> samples starting at <c>outOffset</c> of a <c>scaledLength</c> axis.
/// When shrinking, the triangle is widened by the shrink factor so every input sample contributes
/// (antialiasing, as Pillow's BILINEAR does). Weights are 14-bit fixed point and each output's
/// weights sum to exactly 1 &lt;&lt; <see cref="Shift"/>, so a flat image stays flat.
/// </summary>
internal sealed class ResampleAxis
{
    public const int Shift = 14;
    public const int One = 1 << Shift;

    /// <summary>First input sample of each output.</summary>
    public int[] Start { get; }
    /// <summary>Number of taps of each output.</summary>
    public int[] Count { get; }
    /// <summary>Weights, <see cref="Stride"/> per output.</summary>
    public int[] Weights { get; }
    public int Stride { get; }

    public ResampleAxis(int inLength, int scaledLength, int outOffset, int outLength)
    {
        double inPerOut = (double)inLength / scaledLength;
        double widen = Math.Max(1.0, inPerOut);
        double support = widen; // triangle radius 1, in input samples after widening
        Stride = (int)Math.Ceiling(support) * 2 + 1;
        Start = new int[outLength];
        Count = new int[outLength];
        Weights = new int[outLength * Stride];
        Span<double> w = stackalloc double[Stride];
        for (int o = 0; o < outLength; o++)
        {
            double centre = (o + outOffset + 0.5) * inPerOut;
            int first = Math.Max(0, (int)(centre - support + 0.5));
            int last = Math.Min(inLength, (int)(centre + support + 0.5));
            if (last <= first) { first = Math.Clamp((int)centre, 0, inLength - 1); last = first + 1; }
            int n = Math.Min(last - first, Stride);
            double total = 0;
            for (int k = 0; k < n; k++)
            {
                double t = Math.Abs((first + k + 0.5 - centre) / widen);
                w[k] = t < 1 ? 1 - t : 0;
                total += w[k];
            }
            if (total <= 0) { w[0] = total = 1; for (int k = 1; k < n; k++) w[k] = 0; }
            int sum = 0, largest = 0;
            for (int k = 0; k < n; k++)
            {
                int q = (int)Math.Round(w[k] / total * One);
                Weights[o * Stride + k] = q;
                sum += q;
                if (q > Weights[o * Stride + largest]) largest = k;
            }
            Weights[o * Stride + largest] += One - sum; // exact unity gain
            Start[o] = first;
            Count[o] = n;
        }
    }
}
