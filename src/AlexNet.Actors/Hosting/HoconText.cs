namespace AlexNet.Actors.Hosting;

/// <summary>
/// What a --config file must be before Akka's HOCON parser sees it: UTF-8 text, with its braces,
/// brackets and quotes closed. The parser itself accepts a binary file, and stops without a word at
/// a stray `}`, ignoring the rest.
/// </summary>
public static class HoconText
{
    /// <summary>
    /// UTF-8 text without NUL or other control characters (tab, line breaks and form feed aside);
    /// anything else is refused naming the line, so a binary file is not half-parsed into a run.
    /// </summary>
    public static string Decode(byte[] bytes, string source)
    {
        string text;
        try { text = new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes); }
        catch (System.Text.DecoderFallbackException e)
        {
            int at = e.Index >= 0 ? e.Index : 0;
            int line = 1 + bytes.Take(Math.Min(at, bytes.Length)).Count(b => b == (byte)'\n');
            throw new ConfigurationFileException($"{source}: line {line}: not UTF-8 text (expected a HOCON text file)");
        }
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
        int lineNumber = 1;
        foreach (var c in text)
        {
            if (c == '\n') lineNumber++;
            else if (char.IsControl(c) && c is not ('\t' or '\r' or '\f'))
                throw new ConfigurationFileException($"{source}: line {lineNumber}: control character 0x{(int)c:X2} (expected a HOCON text file)");
        }
        return text;
    }

    /// <summary>
    /// Throws naming the line of an unmatched or unclosed brace or bracket, or an unclosed string.
    /// Akka's parser stops without a word at a `}` that closes nothing and ignores the rest of the
    /// file, so a stray brace would silently drop every setting after it. Quoted strings,
    /// triple-quoted strings and # and // comments are skipped.
    /// </summary>
    public static void CheckStructure(string text, string source)
    {
        var open = new Stack<(char Bracket, int Line)>();
        int line = 1;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            switch (c)
            {
                case '\n':
                    line++;
                    break;
                case '#':
                case '/' when i + 1 < text.Length && text[i + 1] == '/':
                    while (i + 1 < text.Length && text[i + 1] != '\n') i++;
                    break;
                case '"' when string.CompareOrdinal(text, i, "\"\"\"", 0, 3) == 0:
                {
                    int start = line, end = text.IndexOf("\"\"\"", i + 3, StringComparison.Ordinal);
                    if (end < 0) throw new ConfigurationFileException($"{source}: line {start}: a triple-quoted string is never closed");
                    while (end + 3 < text.Length && text[end + 3] == '"') end++; // """a"""" ends with the last three
                    line += text.AsSpan(i, end + 3 - i).Count('\n');
                    i = end + 2;
                    break;
                }
                case '"':
                {
                    int j = i + 1;
                    while (j < text.Length && text[j] != '"' && text[j] != '\n') j += text[j] == '\\' ? 2 : 1;
                    if (j >= text.Length || text[j] != '"') throw new ConfigurationFileException($"{source}: line {line}: a quoted string is never closed");
                    i = j;
                    break;
                }
                case '{':
                case '[':
                    open.Push((c, line));
                    break;
                case '}':
                case ']':
                    char opener = c == '}' ? '{' : '[';
                    if (open.Count == 0)
                        throw new ConfigurationFileException($"{source}: line {line}: '{c}' closes nothing (everything after it would be ignored)");
                    var (bracket, openedOn) = open.Pop();
                    if (bracket != opener)
                        throw new ConfigurationFileException($"{source}: line {line}: '{c}' closes the '{bracket}' opened on line {openedOn}");
                    break;
            }
        }
        if (open.Count > 0)
        {
            var (bracket, openedOn) = open.Pop();
            throw new ConfigurationFileException($"{source}: line {openedOn}: '{bracket}' is never closed");
        }
    }
}
