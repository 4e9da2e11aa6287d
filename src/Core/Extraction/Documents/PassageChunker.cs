using System.Text;
using System.Text.RegularExpressions;

namespace DeepFinance.Core.Extraction;

/// <summary>How documents are cut into passages; kept with the document set.</summary>
public sealed record ChunkingOptions(int MaxChars = ChunkingOptions.DefaultMaxChars, int OverlapChars = ChunkingOptions.DefaultOverlapChars)
{
    public const int DefaultMaxChars = 1200;
    public const int DefaultOverlapChars = 150;
    public const int MinMaxChars = 200;
    public const int MaxMaxChars = 20_000;

    /// <summary>The field at fault and why, or null when the options hold.</summary>
    public (string Field, string Message)? Problem() =>
        MaxChars is < MinMaxChars or > MaxMaxChars ? ("maxPassageChars", $"Passage length must be between {MinMaxChars} and {MaxMaxChars} characters.")
        : OverlapChars < 0 || OverlapChars > MaxChars / 2 ? ("overlapChars", $"Overlap must be between 0 and half the passage length ({MaxChars / 2}).")
        : null;
}

/// <summary>A passage as cut: its heading path, text and the line it starts on.</summary>
public sealed record ChunkedPassage(string? Heading, string Text, int StartLine);

/// <summary>
/// Cuts a document's lines into passages. Sections follow the headings; inside a section paragraphs (blank-line
/// separated) are packed up to the maximum length. A paragraph too long on its own is cut between sentences (Chinese
/// 。！？； and English . ! ? followed by a space); only a single sentence longer than the maximum is cut inside, at a
/// space where there is one. The next passage of the same section repeats the last whole sentences of the previous one,
/// up to the overlap, so a fact that straddles the cut is whole in one of them.
/// </summary>
public static partial class PassageChunker
{
    public static IReadOnlyList<ChunkedPassage> Chunk(IReadOnlyList<string> lines, ChunkingOptions options)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(options);
        var result = new List<ChunkedPassage>();
        var headings = new List<string>();
        var paragraphs = new List<(string Text, int Line)>();
        var paragraph = new StringBuilder();
        var paragraphLine = 0;

        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i].Trim();
            var heading = DocumentText.MarkdownHeading().Match(line);
            if (line.Length == 0 || heading.Success)
            {
                EndParagraph();
                if (heading.Success)
                {
                    EndSection();
                    var level = heading.Groups[1].Value.Length;
                    while (headings.Count >= level)
                    {
                        headings.RemoveAt(headings.Count - 1);
                    }
                    while (headings.Count < level - 1)
                    {
                        headings.Add("");
                    }
                    headings.Add(heading.Groups[2].Value.Trim().TrimEnd('#').Trim());
                }
                continue;
            }
            if (paragraph.Length == 0)
            {
                paragraphLine = i + 1;
            }
            else
            {
                // Wrapped English lines join with a space; a line break beside Chinese text joins directly.
                paragraph.Append(Joiner(paragraph[^1], line[0]));
            }
            paragraph.Append(line);
        }
        EndParagraph();
        EndSection();
        return result;

        void EndParagraph()
        {
            if (paragraph.Length > 0)
            {
                paragraphs.Add((paragraph.ToString(), paragraphLine));
                paragraph.Clear();
            }
        }

        void EndSection()
        {
            var path = string.Join(" › ", headings.Where(h => h.Length > 0));
            Pack(paragraphs, path.Length == 0 ? null : path, options, result);
            paragraphs.Clear();
        }
    }

    private static void Pack(List<(string Text, int Line)> paragraphs, string? heading, ChunkingOptions options, List<ChunkedPassage> result)
    {
        var max = options.MaxChars;
        var parts = new List<(string Text, bool NewParagraph)>();
        var startLine = 0;
        var fresh = 0;
        foreach (var (text, line) in paragraphs)
        {
            var pieces = text.Length <= max ? [text] : Sentences(text).SelectMany(s => HardSplit(s, max)).ToList();
            var first = true;
            foreach (var piece in pieces)
            {
                if (fresh > 0 && Build([.. parts, (piece, first)]).Length > max)
                {
                    Flush(keepOverlap: true);
                }
                if (fresh == 0)
                {
                    startLine = line;
                    // The overlap gives way before the bound does.
                    while (parts.Count > 0 && Build([.. parts, (piece, first)]).Length > max)
                    {
                        parts.RemoveAt(0);
                    }
                }
                parts.Add((piece, first));
                fresh++;
                first = false;
            }
        }
        Flush(keepOverlap: false);

        void Flush(bool keepOverlap)
        {
            if (fresh == 0)
            {
                return;
            }
            var text = Build(parts);
            result.Add(new ChunkedPassage(heading, text, startLine));
            parts.Clear();
            fresh = 0;
            if (keepOverlap && options.OverlapChars > 0)
            {
                // The last whole sentences of the passage, as many as fit in the overlap.
                var total = 0;
                foreach (var sentence in Sentences(text).Reverse())
                {
                    if (total + sentence.Length > options.OverlapChars)
                    {
                        break;
                    }
                    parts.Insert(0, (sentence, false));
                    total += sentence.Length + 1;
                }
            }
        }
    }

    private static string Build(IReadOnlyList<(string Text, bool NewParagraph)> parts)
    {
        var builder = new StringBuilder();
        foreach (var (text, newParagraph) in parts)
        {
            if (builder.Length > 0)
            {
                builder.Append(newParagraph ? "\n\n" : Joiner(builder[^1], text[0]));
            }
            builder.Append(text);
        }
        return builder.ToString();
    }

    /// <summary>Sentences of a text, each with its end mark; Chinese and English ends both count.</summary>
    public static IReadOnlyList<string> Sentences(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = new List<string>();
        var start = 0;
        foreach (Match m in SentenceEnd().Matches(text))
        {
            var end = m.Index + m.Length;
            var sentence = text[start..end].Trim();
            if (sentence.Length > 0)
            {
                result.Add(sentence);
            }
            start = end;
        }
        var rest = text[start..].Trim();
        if (rest.Length > 0)
        {
            result.Add(rest);
        }
        return result;
    }

    /// <summary>A sentence longer than the maximum, cut at the last space before it when there is one (last resort).</summary>
    private static IEnumerable<string> HardSplit(string sentence, int max)
    {
        var rest = sentence;
        while (rest.Length > max)
        {
            var cut = rest.LastIndexOf(' ', max - 1);
            if (cut < max / 2)
            {
                cut = max;
            }
            yield return rest[..cut].Trim();
            rest = rest[cut..].Trim();
        }
        if (rest.Length > 0)
        {
            yield return rest;
        }
    }

    private static string Joiner(char before, char after) => IsCjk(before) || IsCjk(after) ? "" : " ";

    /// <summary>Chinese characters and full-width punctuation: no space goes between them.</summary>
    internal static bool IsCjk(char c) => c is (>= '\u4E00' and <= '\u9FFF') or (>= '\u3000' and <= '\u303F') or (>= '\uFF00' and <= '\uFFEF');

    /// <summary>"zh" when at least a fifth of the letters are Chinese, else "en".</summary>
    public static string LanguageOf(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int cjk = 0, letters = 0;
        foreach (var c in text)
        {
            if (c is >= '\u4E00' and <= '\u9FFF')
            {
                cjk++;
                letters++;
            }
            else if (char.IsLetter(c))
            {
                letters++;
            }
        }
        return letters > 0 && cjk * 5 >= letters ? "zh" : "en";
    }

    // A Chinese end mark (with closing quotes), or an English one followed by white space; "3.5" and "e.g.x" stay whole.
    [GeneratedRegex(@"[。！？；…]+[”’」』）)]*|[.!?]+[""'”’)]*(?=\s)")]
    private static partial Regex SentenceEnd();
}
