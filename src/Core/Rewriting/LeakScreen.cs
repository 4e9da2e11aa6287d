using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace DeepFinance.Core.Rewriting;

/// <summary>Which self-correction text is screened: the critique that saw the reference, or the rewrite that did not.</summary>
public enum ScreenedPart { Reflection, Rewrite }

/// <summary>
/// Flags a reflection or rewrite that names or leans on the reference answer. Two kinds of hit:
/// <list type="bullet">
/// <item>a phrase that points at a given answer ("标准答案", "the ground truth", "the correct answer is" …), built in or
/// added by an operator; text is NFKC-normalised and compared without regard to case;</item>
/// <item>the reference's exact value, when that value is distinctive (a number that is not a small whole number and does
/// not occur in the question itself): a reflection must never state it at all; a rewrite may arrive at it, but not
/// state it before any computation or derivation in the text leads to it.</item>
/// </list>
/// A hit is a short string naming what was found; the list goes into <c>CotTrace.LeakHits</c>.
/// </summary>
public sealed partial class LeakScreen
{
    /// <summary>The built-in phrases, in both languages. Operators add theirs through configuration or the run spec.</summary>
    public static readonly IReadOnlyList<string> BuiltInPatterns =
    [
        // Chinese: answer keys, "the correct answer is/should be", an answer the question or someone "gave".
        @"标准答案", @"参考答案", @"官方答案", @"已知答案", @"真实答案", @"答案要点",
        @"正确(?:的)?答案(?:是|为|应|应该|应当|：|:)", @"正确(?:的)?结果(?:是|为|应该是)",
        @"答案(?:应该|应当|应)(?:是|为)", @"给定(?:的)?答案", @"所给(?:的)?答案", @"(?:题目|题中|题干)(?:给出|提供|所给)的答案",
        @"答案(?:显示|表明|告诉我们)", @"(?:根据|参照|对照)(?:正确)?答案",
        // English.
        @"ground[\s\-_]*truth", @"\b(?:the\s+)?given\s+answer", @"\breference\s+answer", @"\bthe\s+reference\s+(?:says|is|states|shows|gives|indicates)",
        @"\bexpected\s+answer", @"\b(?:correct|right|true)\s+answer\s+(?:is|was|should\s+be|would\s+be|must\s+be)",
        @"\banswer\s+(?:key|sheet)\b", @"\bthe\s+answer\s+should\s+be\b", @"\bofficial\s+answer", @"\bprovided\s+(?:correct\s+)?answer",
        @"\b(?:known|target)\s+answer\b",
    ];

    private readonly IReadOnlyList<(string Source, Regex Regex)> _patterns;

    public LeakScreen(IEnumerable<string>? extraPatterns = null)
    {
        _patterns = [.. BuiltInPatterns.Concat(extraPatterns ?? []).Select(p => (p, Compile(p)))];
    }

    /// <summary>Compiles an operator's pattern the way the screen uses it; throws <see cref="ArgumentException"/> when it is not a valid regular expression.</summary>
    public static Regex Compile(string pattern) =>
        new(Normalize(pattern), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(200));

    /// <summary>The hits in <paramref name="text"/>; empty when it is clean.</summary>
    /// <param name="question">The question, whose own figures are never a leak.</param>
    public IReadOnlyList<string> Screen(string? text, ScreenedPart part, string? reference, string? question)
    {
        var hits = new List<string>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return hits;
        }
        var flat = Normalize(text);
        foreach (var (source, regex) in _patterns)
        {
            try
            {
                var m = regex.Match(flat);
                if (m.Success && !hits.Contains(m.Value.Trim()))
                {
                    hits.Add(m.Value.Trim());
                }
            }
            catch (RegexMatchTimeoutException)
            {
                hits.Add($"pattern too slow to decide: {source}");
            }
        }
        if (ValueHit(flat, part, reference, question) is { } valueHit)
        {
            hits.Add(valueHit);
        }
        return hits;
    }

    /// <summary>
    /// The reference value stated too early: anywhere in a reflection, or in a rewrite before the first computation
    /// (an equals sign, an operator between figures, or a word such as "gives" or "得到").
    /// </summary>
    private static string? ValueHit(string text, ScreenedPart part, string? reference, string? question)
    {
        if (Distinctive(reference, question) is not { } value)
        {
            return null;
        }
        foreach (Match m in Number().Matches(text))
        {
            if (Signed(text, m) != value)
            {
                continue;
            }
            if (part == ScreenedPart.Reflection)
            {
                return $"reference value {m.Value} stated in the reflection";
            }
            return Computation().IsMatch(text[..m.Index]) ? null : $"reference value {m.Value} stated before any computation";
        }
        return null;
    }

    /// <summary>The reference's number when it is worth looking for: not a small whole number, and not one of the question's own figures.</summary>
    private static decimal? Distinctive(string? reference, string? question)
    {
        if (string.IsNullOrWhiteSpace(reference))
        {
            return null;
        }
        var numbers = Number().Matches(Normalize(reference));
        if (numbers.Count != 1 || Signed(Normalize(reference), numbers[0]) is not { } value)
        {
            return null;
        }
        if (value == decimal.Truncate(value) && Math.Abs(value) < 10)
        {
            return null;
        }
        if (question is not null && Number().Matches(Normalize(question)).Any(m => ParseNumber(m.Value) == Math.Abs(value)))
        {
            return null;
        }
        return value;
    }

    private static decimal? ParseNumber(string token) =>
        decimal.TryParse(token.Replace(",", "", StringComparison.Ordinal), NumberStyles.Number, CultureInfo.InvariantCulture, out var v) ? v : null;

    /// <summary>A number with the minus sign written just before it: quoting a wrong answer of the opposite sign is no leak.</summary>
    private static decimal? Signed(string text, Match m)
    {
        var v = ParseNumber(m.Value);
        var before = m.Index > 0 ? text[m.Index - 1] : ' ';
        return before is '-' or '−' or '－' ? -v : v;
    }

    /// <summary>NFKC (full-width letters, digits and colons become plain ones), white space folded to single spaces.</summary>
    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var nfkc = text.Normalize(NormalizationForm.FormKC);
        return Spaces().Replace(nfkc, " ");
    }

    [GeneratedRegex(@"(?<![\d.])\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\d.,])\d+(?:\.\d+)?")]
    private static partial Regex Number();

    [GeneratedRegex(@"[=≈×÷*]|\d\s*[-+/x]\s*\d|\b(?:gives|giving|yields|equals|comes\s+to|works\s+out|results\s+in|leads\s+to|so\s+we\s+get)\b|得到|得出|算得|等于|求得|计算|推得", RegexOptions.IgnoreCase)]
    private static partial Regex Computation();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
