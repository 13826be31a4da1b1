using System.Globalization;
using SixLabors.ImageSharp.PixelFormats;

namespace AlexNet.Cli.Pictures;

/// <summary>One line of a plot: (x, y) points in data units, drawn in a colour on the left or right axis.</summary>
public sealed record Series(string Label, Rgb24 Colour, IReadOnlyList<(double X, double Y)> Points, bool RightAxis, int Thickness = 2);

/// <summary>
/// A line chart drawn pixel by pixel: x axis at the bottom, a left y axis (e.g. loss) and a right
/// y axis (e.g. error, 0..1 shown as percent), tick labels and a legend in <see cref="BitmapFont"/>.
/// A series with a single point is drawn as a dot.
/// </summary>
public static class CurvePlot
{
    private static readonly Rgb24 Paper = new(255, 255, 255), Ink = new(30, 30, 30), Grid = new(225, 225, 225);
    private const int Left = 70, Right = 70, Top = 50, Bottom = 50, Ticks = 5, TextScale = 2;

    public static RgbCanvas Render(IReadOnlyList<Series> series, string xLabel, int width = 900, int height = 540)
    {
        var canvas = new RgbCanvas(width, height, Paper);
        int plotW = width - Left - Right, plotH = height - Top - Bottom;
        var all = series.SelectMany(s => s.Points).ToList();
        double xMax = AxisMax(all.Count == 0 ? 1 : all.Max(p => p.X));
        double leftMax = AxisMax(series.Where(s => !s.RightAxis).SelectMany(s => s.Points).Select(p => p.Y).DefaultIfEmpty(1).Max());
        const double rightMax = 1.0; // errors are fractions

        for (int i = 0; i <= Ticks; i++)
        {
            int y = Top + plotH - i * plotH / Ticks, x = Left + i * plotW / Ticks;
            canvas.Line(Left, y, Left + plotW, y, Grid);
            canvas.Line(x, Top, x, Top + plotH, Grid);
            var leftText = Format(leftMax * i / Ticks);
            BitmapFont.Draw(canvas, leftText, Left - 8 - BitmapFont.Measure(leftText, TextScale), y - 5, Ink, TextScale);
            BitmapFont.Draw(canvas, Format(100 * rightMax * i / Ticks) + "%", Left + plotW + 8, y - 5, Ink, TextScale);
            var xText = Format(xMax * i / Ticks);
            BitmapFont.Draw(canvas, xText, x - BitmapFont.Measure(xText, TextScale) / 2, Top + plotH + 8, Ink, TextScale);
        }
        canvas.Line(Left, Top, Left, Top + plotH, Ink);
        canvas.Line(Left + plotW, Top, Left + plotW, Top + plotH, Ink);
        canvas.Line(Left, Top + plotH, Left + plotW, Top + plotH, Ink);
        BitmapFont.Draw(canvas, xLabel, Left + plotW / 2 - BitmapFont.Measure(xLabel, TextScale) / 2, Top + plotH + 28, Ink, TextScale);

        foreach (var s in series)
        {
            double yMax = s.RightAxis ? rightMax : leftMax;
            (int X, int Y) At((double X, double Y) p) =>
                (Left + (int)Math.Round(p.X / xMax * plotW), Top + plotH - (int)Math.Round(Math.Clamp(p.Y / yMax, 0, 1) * plotH));
            var points = s.Points.Where(p => double.IsFinite(p.Y)).OrderBy(p => p.X).Select(At).ToList();
            if (points.Count == 1) canvas.FillRect(points[0].X - 3, points[0].Y - 3, 7, 7, s.Colour);
            for (int i = 1; i < points.Count; i++) canvas.Line(points[i - 1].X, points[i - 1].Y, points[i].X, points[i].Y, s.Colour, s.Thickness);
        }

        int legendX = Left;
        foreach (var s in series)
        {
            canvas.FillRect(legendX, 18, 24, 6, s.Colour);
            var label = s.Label + (s.RightAxis ? " (right)" : " (left)");
            BitmapFont.Draw(canvas, label, legendX + 30, 16, Ink, TextScale);
            legendX += 30 + BitmapFont.Measure(label, TextScale) + 24;
        }
        return canvas;
    }

    /// <summary>The smallest multiple of a round tick step (1, 2 or 5 times a power of ten) that covers <paramref name="v"/> in <see cref="Ticks"/> ticks.</summary>
    public static double AxisMax(double v)
    {
        double step = NiceCeiling(v / Ticks);
        return step * Math.Max(1, Math.Ceiling(v / step - 1e-9));
    }

    /// <summary>1, 2 or 5 times a power of ten, at least <paramref name="v"/>.</summary>
    public static double NiceCeiling(double v)
    {
        if (!(v > 0) || !double.IsFinite(v)) return 1;
        double power = Math.Pow(10, Math.Floor(Math.Log10(v)));
        foreach (var m in new[] { 1.0, 2, 5, 10 })
            if (m * power >= v * (1 - 1e-12)) return m * power;
        return 10 * power;
    }

    private static string Format(double v) => v.ToString(Math.Abs(v) >= 100 || v == Math.Round(v) ? "0" : "0.##", CultureInfo.InvariantCulture);
}
