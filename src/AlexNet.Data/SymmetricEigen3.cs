namespace AlexNet.Data;

/// <summary>
/// Eigen-decomposition of a symmetric 3×3 matrix by cyclic Jacobi rotations: unconditionally
/// stable, orthogonal eigenvectors to machine precision, and small enough to check by eye.
/// </summary>
public static class SymmetricEigen3
{
    /// <summary>
    /// Returns eigenvalues in descending order and the eigenvectors as a row-major 3×3 matrix whose
    /// column i belongs to eigenvalue i. Each eigenvector's sign makes its largest component positive,
    /// so the result is unique for distinct eigenvalues.
    /// </summary>
    public static (double[] Values, double[] Vectors) Decompose(ReadOnlySpan<double> symmetric)
    {
        if (symmetric.Length != 9) throw new ArgumentException("expected a row-major 3×3 matrix");
        var a = new double[3, 3];
        var v = new double[3, 3];
        for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++)
        {
            a[r, c] = 0.5 * (symmetric[r * 3 + c] + symmetric[c * 3 + r]);
            v[r, c] = r == c ? 1 : 0;
        }
        for (int sweep = 0; sweep < 64; sweep++)
        {
            double off = a[0, 1] * a[0, 1] + a[0, 2] * a[0, 2] + a[1, 2] * a[1, 2];
            double diag = a[0, 0] * a[0, 0] + a[1, 1] * a[1, 1] + a[2, 2] * a[2, 2];
            if (off <= 1e-30 * diag || off == 0) break;
            Rotate(a, v, 0, 1);
            Rotate(a, v, 0, 2);
            Rotate(a, v, 1, 2);
        }
        var order = new[] { 0, 1, 2 };
        Array.Sort(order, (x, y) => a[y, y].CompareTo(a[x, x]));
        var values = new double[3];
        var vectors = new double[9];
        for (int i = 0; i < 3; i++)
        {
            int k = order[i];
            values[i] = a[k, k];
            int big = 0;
            for (int r = 1; r < 3; r++) if (Math.Abs(v[r, k]) > Math.Abs(v[big, k])) big = r;
            double sign = v[big, k] < 0 ? -1 : 1;
            for (int r = 0; r < 3; r++) vectors[r * 3 + i] = sign * v[r, k];
        }
        return (values, vectors);
    }

    // Zeroes a[p,q] with one rotation (the numerically careful form of Numerical Recipes §11.1).
    private static void Rotate(double[,] a, double[,] v, int p, int q)
    {
        if (a[p, q] == 0) return;
        double theta = (a[q, q] - a[p, p]) / (2 * a[p, q]);
        double t = Math.Sign(theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
        if (theta == 0) t = 1;
        double c = 1 / Math.Sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < 3; k++)
        {
            double akp = a[k, p], akq = a[k, q];
            a[k, p] = c * akp - s * akq;
            a[k, q] = s * akp + c * akq;
        }
        for (int k = 0; k < 3; k++)
        {
            double apk = a[p, k], aqk = a[q, k];
            a[p, k] = c * apk - s * aqk;
            a[q, k] = s * apk + c * aqk;
        }
        for (int k = 0; k < 3; k++)
        {
            double vkp = v[k, p], vkq = v[k, q];
            v[k, p] = c * vkp - s * vkq;
            v[k, q] = s * vkp + c * vkq;
        }
    }
}
