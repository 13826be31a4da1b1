using SixLabors.ImageSharp.PixelFormats;

namespace AlexNet.Cli.Pictures;

/// <summary>
/// The paper's Figure 4 layout: one row per query, the query image in the first column, then its
/// nearest training images in feature space, nearest first. A wider gap separates the query.
/// </summary>
public static class NeighbourGrid
{
    private static readonly Rgb24 Background = new(255, 255, 255);
    public const int Gap = 4, QueryGap = 16;

    /// <param name="rows">Per row: the images (interleaved RGB, side×side), query first.</param>
    public static RgbCanvas Render(IReadOnlyList<IReadOnlyList<byte[]>> rows, int side)
    {
        int columns = rows.Max(r => r.Count);
        var canvas = new RgbCanvas(Width(columns, side), Gap + rows.Count * (side + Gap), Background);
        for (int r = 0; r < rows.Count; r++)
            for (int c = 0; c < rows[r].Count; c++)
                canvas.Draw(rows[r][c], side, side, X(c, side), Gap + r * (side + Gap));
        return canvas;
    }

    public static int Width(int columns, int side) => X(columns, side);

    private static int X(int column, int side) => Gap + column * (side + Gap) + (column > 0 ? QueryGap - Gap : 0);
}
