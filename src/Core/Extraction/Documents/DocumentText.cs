using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace DeepFinance.Core.Extraction;

/// <summary>A document reduced to plain lines: Markdown headings ("# …") are kept as the chunker's section marks.</summary>
public sealed record DocumentLines(string Format, string? Title, IReadOnlyList<string> Lines);

/// <summary>
/// Turns an uploaded file into text lines the chunker reads. Plain text passes as it is; Markdown keeps its headings and
/// loses link, image and emphasis syntax; HTML is reduced to its visible text (scripts, styles, comments and other
/// non-content elements dropped whole, tags removed, entities decoded), headings becoming Markdown headings. The result
/// is only ever shown as text, never rendered as HTML, so nothing from the file can run in a page.
/// </summary>
public static partial class DocumentText
{
    public const string Text = "text";
    public const string Markdown = "markdown";
    public const string Html = "html";

    /// <summary>The format a file name says, or null for an extension we do not read.</summary>
    public static string? FormatOf(string fileName) => Path.GetExtension(fileName ?? "").ToLowerInvariant() switch
    {
        ".txt" or ".text" => Text,
        ".md" or ".markdown" => Markdown,
        ".html" or ".htm" => Html,
        _ => null,
    };

    public static DocumentLines Reduce(string format, IReadOnlyList<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        return format switch
        {
            Html => FromHtml(string.Join('\n', lines)),
            Markdown => FromMarkdown(lines),
            _ => new DocumentLines(Text, null, [.. lines.Select(l => l.TrimEnd())]),
        };
    }

    private static DocumentLines FromMarkdown(IReadOnlyList<string> lines)
    {
        var result = new List<string>(lines.Count);
        string? title = null;
        var inFence = false;
        foreach (var raw in lines)
        {
            var line = raw.TrimEnd();
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal) || line.TrimStart().StartsWith("~~~", StringComparison.Ordinal))
            {
                // Code fences: the code stays as text, the fence marks go.
                inFence = !inFence;
                result.Add("");
                continue;
            }
            if (!inFence)
            {
                line = Image().Replace(line, "$1");
                line = Link().Replace(line, "$1");
                line = Emphasis().Replace(line, "$2");
                line = line.Replace("`", "", StringComparison.Ordinal);
                if (title is null && MarkdownHeading().Match(line) is { Success: true } h)
                {
                    title = h.Groups[2].Value.Trim();
                }
            }
            result.Add(line);
        }
        return new DocumentLines(Markdown, title, result);
    }

    private static DocumentLines FromHtml(string html)
    {
        // Whole elements whose content is never text a reader sees: dropped with everything inside, unclosed ones to the end.
        var text = Comment().Replace(html, " ");
        text = Invisible().Replace(text, " ");
        text = UnclosedInvisible().Replace(text, " ");
        string? title = null;
        var t = TitleTag().Match(text);
        if (t.Success)
        {
            title = Clean(WebUtility.HtmlDecode(Tag().Replace(t.Groups[1].Value, " ")));
            text = text.Remove(t.Index, t.Length);
        }
        text = HeadSection().Replace(text, " ");
        // Headings become Markdown headings on their own lines; block elements end a line; cells are separated.
        text = HeadingTag().Replace(text, m =>
            $"\n\n{new string('#', m.Groups[1].Value[0] - '0')} {Clean(WebUtility.HtmlDecode(Tag().Replace(m.Groups[2].Value, " ")))}\n\n");
        text = BreakTag().Replace(text, "\n");
        text = BlockTag().Replace(text, "\n\n");
        text = CellTag().Replace(text, " | ");
        text = Tag().Replace(text, "");
        text = WebUtility.HtmlDecode(text);
        var lines = new List<string>();
        foreach (var line in text.Split('\n'))
        {
            var cleaned = Clean(line);
            if (cleaned.Length == 0 && lines.Count > 0 && lines[^1].Length == 0)
            {
                continue;
            }
            lines.Add(cleaned);
        }
        title ??= lines.Select(l => MarkdownHeading().Match(l)).FirstOrDefault(m => m.Success)?.Groups[2].Value.Trim();
        return new DocumentLines(Html, string.IsNullOrWhiteSpace(title) ? null : title, lines);
    }

    /// <summary>Runs of white space (non-breaking spaces included) become one space; control characters go.</summary>
    private static string Clean(string line)
    {
        var builder = new StringBuilder(line.Length);
        var space = false;
        foreach (var c in line)
        {
            if (char.IsWhiteSpace(c) || c == '\u00A0' || char.IsControl(c))
            {
                space = builder.Length > 0;
                continue;
            }
            if (space)
            {
                builder.Append(' ');
                space = false;
            }
            builder.Append(c);
        }
        return builder.ToString().Trim(' ', '|').Trim();
    }

    [GeneratedRegex(@"^(#{1,6})\s+(.+)$")]
    internal static partial Regex MarkdownHeading();

    [GeneratedRegex(@"!\[([^\]]*)\]\([^)]*\)")]
    private static partial Regex Image();

    [GeneratedRegex(@"\[([^\]]+)\]\([^)]*\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"(\*\*|__|\*|_)(\S(?:.*?\S)?)\1")]
    private static partial Regex Emphasis();

    [GeneratedRegex(@"<!--.*?(?:-->|$)", RegexOptions.Singleline)]
    private static partial Regex Comment();

    [GeneratedRegex(@"<(script|style|noscript|template|svg|iframe|object|canvas)\b[^>]*>.*?</\1\s*>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex Invisible();

    [GeneratedRegex(@"<(script|style|noscript|template|svg|iframe|object|canvas)\b.*$", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex UnclosedInvisible();

    [GeneratedRegex(@"<title\b[^>]*>(.*?)</title\s*>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex TitleTag();

    [GeneratedRegex(@"<head\b[^>]*>.*?</head\s*>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex HeadSection();

    [GeneratedRegex(@"<h([1-6])\b[^>]*>(.*?)</h\1\s*>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex HeadingTag();

    [GeneratedRegex(@"<br\s*/?>", RegexOptions.IgnoreCase)]
    private static partial Regex BreakTag();

    [GeneratedRegex(@"</?(p|div|section|article|main|header|footer|nav|aside|li|ul|ol|dl|dt|dd|tr|table|thead|tbody|blockquote|pre|hr|figure|figcaption|h[1-6])\b[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex BlockTag();

    [GeneratedRegex(@"<(td|th)\b[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex CellTag();

    [GeneratedRegex(@"<[^>]*>")]
    private static partial Regex Tag();
}
