namespace AlexNet.Data;

/// <summary>
/// Training-set statistics stored with a prepared dataset: the mean image (subtracted from every
/// input, cropped like the input) and the eigen-decomposition of the 3×3 covariance of RGB pixel
/// values (for the paper's PCA lighting). Pixel values are on the 0..255 scale.
/// </summary>
/// <param name="Side">Side of the stored images and of the mean image.</param>
/// <param name="MeanImage">3×Side×Side floats, CHW.</param>
/// <param name="Eigenvalues">λ_1..λ_3 of the RGB covariance.</param>
/// <param name="Eigenvectors">Row-major 3×3: column i is eigenvector p_i (RGB components).</param>
public sealed record DatasetStatistics(int Side, float[] MeanImage, double[] Eigenvalues, double[] Eigenvectors)
{
    /// <summary>Statistics that change nothing: zero mean, no lighting (for synthetic data and tests).</summary>
    public static DatasetStatistics Neutral(int side) =>
        new(side, new float[3 * side * side], new double[3], new double[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 });

    /// <summary>The lighting offset Σ_i p_i·α_i·λ_i for one image (RGB).</summary>
    public float[] LightingOffset(ReadOnlySpan<double> alpha)
    {
        var offset = new float[3];
        for (int c = 0; c < 3; c++)
        {
            double sum = 0;
            for (int i = 0; i < 3; i++) sum += Eigenvectors[c * 3 + i] * alpha[i] * Eigenvalues[i];
            offset[c] = (float)sum;
        }
        return offset;
    }
}
