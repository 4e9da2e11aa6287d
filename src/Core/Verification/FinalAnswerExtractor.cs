using System.Text.RegularExpressions;

namespace DeepFinance.Core.Verification;

/// <summary>How the final answer was located.</summary>
public enum AnswerSource
{
    None,
    Boxed,
    Marker,
    LastLine,
}

/// <summary>The final answer a response commits to, and where it was found.</summary>
public sealed record ExtractedAnswer(string Text, AnswerSource Source);

/// <summary>
/// Finds the answer a model response commits to last:
/// <list type="number">
/// <item>region: text after the last <c>&lt;/think&gt;</c> (the think block itself when that is blank), else everything;</item>
/// <item>marked answers: <c>\boxed{…}</c> contents and the rest of the line after an answer marker
/// (最终答案, 正确答案, 答案, 答：, 故选, 应选, 选+letters, 综上, The answer is, Final answer, Answer:);
/// the last one by position wins over any plain text after it;</item>
/// <item>otherwise the last non-empty line.</item>
/// </list>
/// Leading 约 / about / approximately and trailing punctuation are removed.
/// </summary>
public static partial class FinalAnswerExtractor
{
    private const string ThinkClose = "</think>";
    private const string ThinkOpen = "<think>";

    /// <summary>The final-answer text, or null when the response holds no answer at all.</summary>
    public static string? Extract(string response) => ExtractDetailed(response)?.Text;

    /// <summary>The final answer with its source, or null when the response holds no answer at all.</summary>
    public static ExtractedAnswer? ExtractDetailed(string response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var region = SelectRegion(response);
        if (region.IsEmpty)
        {
            return null;
        }

        var text = region.ToString();
        var marked = FindLastMarked(text);
        if (marked is not null)
        {
            return marked;
        }

        var line = LastMeaningfulLine(text, text.Length);
        if (line is null)
        {
            return null;
        }

        var cleaned = Clean(line);
        return cleaned.Length == 0 ? null : new ExtractedAnswer(cleaned, AnswerSource.LastLine);
    }

    /// <summary>Step 1: the part of the response that is read.</summary>
    public static ReadOnlySpan<char> SelectRegion(string response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var close = response.LastIndexOf(ThinkClose, StringComparison.OrdinalIgnoreCase);
        if (close < 0)
        {
            return response.AsSpan().Trim();
        }

        var after = response.AsSpan(close + ThinkClose.Length).Trim();
        if (!after.IsEmpty)
        {
            return after;
        }

        var open = response.LastIndexOf(ThinkOpen, close, StringComparison.OrdinalIgnoreCase);
        var from = open < 0 ? 0 : open + ThinkOpen.Length;
        return response.AsSpan(from, close - from).Trim();
    }

    private static ExtractedAnswer? FindLastMarked(string text)
    {
        // Collect candidates by position; try from the last one back until one has content.
        var candidates = new List<(int Position, int ContentStart, int ContentEnd, AnswerSource Source)>();

        var search = 0;
        while (true)
        {
            var boxed = text.IndexOf("\\boxed", search, StringComparison.Ordinal);
            if (boxed < 0)
            {
                break;
            }

            var brace = boxed + "\\boxed".Length;
            while (brace < text.Length && text[brace] == ' ')
            {
                brace++;
            }

            if (brace < text.Length && text[brace] == '{')
            {
                var close = MatchingBrace(text, brace);
                if (close > 0)
                {
                    candidates.Add((boxed, brace + 1, close, AnswerSource.Boxed));
                    search = close + 1;
                    continue;
                }
            }

            search = brace;
        }

        for (var m = MarkerRegex().Match(text); m.Success; m = m.NextMatch())
        {
            var lineEnd = text.IndexOf('\n', m.Index + m.Length);
            candidates.Add((m.Index, m.Index + m.Length, lineEnd < 0 ? text.Length : lineEnd, AnswerSource.Marker));
        }

        if (candidates.Count == 0)
        {
            return null;
        }

        candidates.Sort(static (a, b) => a.Position.CompareTo(b.Position));
        for (var c = candidates.Count - 1; c >= 0; c--)
        {
            var (_, start, end, source) = candidates[c];
            var content = Clean(text.AsSpan(start, end - start));
            if (content.Length == 0 && source == AnswerSource.Marker)
            {
                // "答案：" with the value on the next line.
                var next = NextMeaningfulLine(text, end);
                if (next is not null)
                {
                    content = Clean(next);
                }
            }

            if (content.Length > 0)
            {
                return new ExtractedAnswer(content, source);
            }
        }

        return null;
    }

    private static int MatchingBrace(string text, int open)
    {
        var depth = 0;
        for (var i = open; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '{':
                    depth++;
                    break;
                case '}':
                    depth--;
                    if (depth == 0)
                    {
                        return i;
                    }

                    break;
                case '\\' when i + 1 < text.Length && text[i + 1] is '{' or '}':
                    i++;
                    break;
            }
        }

        return -1;
    }

    private static string? LastMeaningfulLine(string text, int end)
    {
        var lineEnd = end;
        while (lineEnd > 0)
        {
            var lineStart = text.LastIndexOf('\n', lineEnd - 1) + 1;
            var line = text.AsSpan(lineStart, lineEnd - lineStart);
            if (IsMeaningful(line))
            {
                return line.ToString();
            }

            lineEnd = lineStart - 1;
        }

        return null;
    }

    private static string? NextMeaningfulLine(string text, int from)
    {
        var lineStart = from;
        while (lineStart < text.Length)
        {
            var lineEnd = text.IndexOf('\n', lineStart);
            if (lineEnd < 0)
            {
                lineEnd = text.Length;
            }

            var line = text.AsSpan(lineStart, lineEnd - lineStart);
            if (IsMeaningful(line))
            {
                return line.ToString();
            }

            lineStart = lineEnd + 1;
        }

        return null;
    }

    private static bool IsMeaningful(ReadOnlySpan<char> line)
    {
        foreach (var c in line)
        {
            if (char.IsLetterOrDigit(c) || c is '√' or '×' or '✓' or '✔' or '✗' or '✘')
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Trims markup, marker glue (为 / 是 / is / colon), approximation words and trailing punctuation.</summary>
    public static string Clean(ReadOnlySpan<char> raw)
    {
        if (raw.Contains("**", StringComparison.Ordinal))
        {
            // Markdown bold around or inside the answer ("贷款金额为**315万元**") is markup, not content.
            return Clean(raw.ToString().Replace("**", string.Empty, StringComparison.Ordinal));
        }

        var s = raw.Trim();
        for (var pass = 0; pass < 4; pass++)
        {
            var before = s.Length;
            s = TrimLeading(s);
            s = TrimTrailing(s);
            if (s.Length == before)
            {
                break;
            }
        }

        return s.ToString();
    }

    private static ReadOnlySpan<char> TrimLeading(ReadOnlySpan<char> s)
    {
        s = s.TrimStart();
        while (s.Length > 0 && s[0] is ':' or '：' or ',' or '，' or '、' or '=' or '*' or '_' or '`' or '#' or '>' or '-' && !(s[0] == '-' && s.Length > 1 && (char.IsAsciiDigit(s[1]) || s[1] == '$')))
        {
            s = s[1..].TrimStart();
        }

        foreach (var glue in LeadingGlueRegex().EnumerateMatches(s))
        {
            if (glue.Length > 0 && glue.Length < s.Length)
            {
                s = s[glue.Length..].TrimStart();
            }

            break;
        }

        return s;
    }

    private static ReadOnlySpan<char> TrimTrailing(ReadOnlySpan<char> s)
    {
        s = s.TrimEnd();
        while (s.Length > 0 && s[^1] is '。' or '.' or '，' or ',' or '；' or ';' or '！' or '!' or '？' or '?' or '、' or ':' or '：' or '*' or '_' or '`' or '$')
        {
            // Keep a currency '$' only if it is the whole answer (never in practice); it is trailing LaTeX math otherwise.
            s = s[..^1].TrimEnd();
        }

        return s;
    }

    // Words between a marker and its value, and approximation words that are not part of the value.
    [GeneratedRegex(@"^(?:所述|为|是|(?:is|was|would\s+be|will\s+be|approximately|about|around|roughly)\b|approx\.?|约为|约|大约|大概|≈|~)(?:\s*[:：,，])?\s*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex LeadingGlueRegex();

    [GeneratedRegex(
        @"最终答案|正确答案|答案|答[:：]|故选|应选|选(?=\s*[A-FＡ-Ｆ]+(?![A-Za-zａ-ｚＡ-Ｚ]))|综上|(?i:the\s+answer\s+is)|(?i:final\s+answer)|(?i:\banswer\s*[:：])",
        RegexOptions.CultureInvariant)]
    private static partial Regex MarkerRegex();
}
