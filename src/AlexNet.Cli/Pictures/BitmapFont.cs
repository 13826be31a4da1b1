using SixLabors.ImageSharp.PixelFormats;

namespace AlexNet.Cli.Pictures;

/// <summary>
/// A 3×5-pixel font of the characters the plots need (digits, the lower-case letters of the plot labels, . % - / and parentheses),
/// so labels need no font files (ImageSharp's text drawing lives in packages not available here).
/// Each glyph is five rows of three bits, the high bit on the left.
/// </summary>
public static class BitmapFont
{
    public const int GlyphWidth = 3, GlyphHeight = 5;

    private static readonly Dictionary<char, byte[]> Glyphs = new()
    {
        ['0'] = new byte[] { 7, 5, 5, 5, 7 }, ['1'] = new byte[] { 2, 6, 2, 2, 7 }, ['2'] = new byte[] { 7, 1, 7, 4, 7 },
        ['3'] = new byte[] { 7, 1, 7, 1, 7 }, ['4'] = new byte[] { 5, 5, 7, 1, 1 }, ['5'] = new byte[] { 7, 4, 7, 1, 7 },
        ['6'] = new byte[] { 7, 4, 7, 5, 7 }, ['7'] = new byte[] { 7, 1, 1, 1, 1 }, ['8'] = new byte[] { 7, 5, 7, 5, 7 },
        ['9'] = new byte[] { 7, 5, 7, 1, 7 }, ['.'] = new byte[] { 0, 0, 0, 0, 2 }, ['%'] = new byte[] { 5, 1, 2, 4, 5 },
        ['-'] = new byte[] { 0, 0, 7, 0, 0 }, ['/'] = new byte[] { 1, 1, 2, 4, 4 }, [' '] = new byte[] { 0, 0, 0, 0, 0 },
        ['a'] = new byte[] { 0, 7, 1, 7, 7 }, ['c'] = new byte[] { 0, 7, 4, 4, 7 }, ['e'] = new byte[] { 7, 5, 7, 4, 7 },
        ['h'] = new byte[] { 4, 4, 7, 5, 5 }, ['i'] = new byte[] { 2, 0, 2, 2, 2 }, ['l'] = new byte[] { 6, 2, 2, 2, 7 },
        ['n'] = new byte[] { 0, 6, 5, 5, 5 }, ['o'] = new byte[] { 0, 7, 5, 5, 7 }, ['p'] = new byte[] { 7, 5, 7, 4, 4 },
        ['r'] = new byte[] { 0, 7, 4, 4, 4 }, ['s'] = new byte[] { 0, 3, 4, 1, 6 }, ['t'] = new byte[] { 4, 7, 4, 4, 7 },
        ['v'] = new byte[] { 0, 5, 5, 5, 2 }, ['x'] = new byte[] { 0, 5, 2, 2, 5 }, ['f'] = new byte[] { 3, 4, 6, 4, 4 },
        ['g'] = new byte[] { 7, 5, 7, 1, 6 }, ['('] = new byte[] { 1, 2, 2, 2, 1 }, [')'] = new byte[] { 4, 2, 2, 2, 4 },
    };

    /// <summary>Width in pixels of <paramref name="text"/> at <paramref name="scale"/> (one blank column between glyphs).</summary>
    public static int Measure(string text, int scale) => text.Length == 0 ? 0 : (text.Length * (GlyphWidth + 1) - 1) * scale;

    /// <summary>Draws <paramref name="text"/> with its top-left at (x, y); characters without a glyph are left blank.</summary>
    public static void Draw(RgbCanvas canvas, string text, int x, int y, Rgb24 colour, int scale = 2)
    {
        foreach (var ch in text.ToLowerInvariant())
        {
            if (Glyphs.TryGetValue(ch, out var rows))
                for (int r = 0; r < GlyphHeight; r++)
                    for (int c = 0; c < GlyphWidth; c++)
                        if ((rows[r] >> (GlyphWidth - 1 - c) & 1) != 0) canvas.FillRect(x + c * scale, y + r * scale, scale, scale, colour);
            x += (GlyphWidth + 1) * scale;
        }
    }
}
