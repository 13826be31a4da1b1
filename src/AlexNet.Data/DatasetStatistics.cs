namespace AlexNet.Data;

/// <summary>
/// Training-set statistics stored with a prepared dataset: the mean image (subtracted from every
/// input, cropped like the input) and the eigen-decomposition of the 3×3 covariance of RGB pixel
/// values (for the paper's PCA lighting). The mean image is on the 0..255 pixel scale. The
/// eigenvalues are those of the covariance of RGB values on the 0..1 scale: the paper's formula
/// Σ p_i·α_i·λ_i adds λ (a variance) to a pixel value, which is only meaningful in those units
/// (λ ≈ 0.22, 0.019, 0.0045 on ImageNet; on the 0..255 scale λ_1 ≈ 14,000 would swamp the image).
/// </summary>
/// <param name="Side">Side of the stored images and of the mean image.</param>
/// <param name="MeanImage">3×Side×Side floats, CHW.</param>
/// <param name="Eigenvalues">λ_1 ≥ λ_2 ≥ λ_3 of the covariance of RGB values scaled to 0..1.</param>
/// <param name="Eigenvectors">Row-major 3×3: column i is eigenvector p_i (RGB components).</param>
public sealed record DatasetStatistics(int Side, float[] MeanImage, double[] Eigenvalues, double[] Eigenvectors)
{
    /// <summary>Statistics that change nothing: zero mean, no lighting (for synthetic data and tests).</summary>
    public static DatasetStatistics Neutral(int side) =>
        new(side, new float[3 * side * side], new double[3], new double[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 });

    /// <summary>Pixel values per unit of the scale the eigenvalues are measured on.</summary>
    public const double PixelScale = 255.0;

    /// <summary>
    /// The lighting offset Σ_i p_i·α_i·λ_i for one image (RGB), converted to the 0..255 pixel scale
    /// (multiplied by <see cref="PixelScale"/>) so that it adds directly to the stored pixels.
    /// </summary>
    public float[] LightingOffset(ReadOnlySpan<double> alpha)
    {
        var offset = new float[3];
        for (int c = 0; c < 3; c++)
        {
            double sum = 0;
            for (int i = 0; i < 3; i++) sum += Eigenvectors[c * 3 + i] * alpha[i] * Eigenvalues[i];
            offset[c] = (float)(sum * PixelScale);
        }
        return offset;
    }
}
