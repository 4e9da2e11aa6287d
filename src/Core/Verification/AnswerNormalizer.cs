using System.Text;
using System.Text.RegularExpressions;

namespace DeepFinance.Core.Verification;

/// <summary>
/// Puts answer text into one canonical surface form before any value is read from it:
/// full-width characters become half-width, the various minus signs become '-', odd spaces become
/// ' ', and common LaTeX wrappers (<c>\text{}</c>, <c>\frac{a}{b}</c>, <c>\%</c>, …) are unwrapped.
/// </summary>
public static partial class AnswerNormalizer
{
    /// <summary>Returns the canonical form of <paramref name="text"/>; returns the same instance when nothing changes.</summary>
    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var mapped = MapCharacters(text);
        return mapped.Contains('\\', StringComparison.Ordinal) || mapped.Contains('{', StringComparison.Ordinal)
            ? UnwrapLatex(mapped)
            : mapped;
    }

    /// <summary>Maps one character to its canonical form (full-width to ASCII, minus variants to '-').</summary>
    public static char MapChar(char c) => c switch
    {
        // Keep the ideographic comma-like full-width comma: in Chinese prose it separates clauses, not thousands.
        '\uFF0C' => c,
        >= '\uFF01' and <= '\uFF5E' => (char)(c - 0xFEE0),
        '\u3000' or '\u00A0' or '\u2009' or '\u202F' or '\u2007' => ' ',
        '\u2212' or '\uFE63' or '\u2012' => '-',
        '\uFFE5' => '¥',
        _ => c,
    };

    private static string MapCharacters(string text)
    {
        var firstChange = -1;
        for (var i = 0; i < text.Length; i++)
        {
            if (MapChar(text[i]) != text[i])
            {
                firstChange = i;
                break;
            }
        }

        if (firstChange < 0)
        {
            return text;
        }

        return string.Create(text.Length, (text, firstChange), static (span, state) =>
        {
            var (source, start) = state;
            source.AsSpan(0, start).CopyTo(span);
            for (var i = start; i < source.Length; i++)
            {
                span[i] = MapChar(source[i]);
            }
        });
    }

    private static string UnwrapLatex(string text)
    {
        var sb = new StringBuilder(text);
        sb.Replace("\\%", "%")
          .Replace("\\$", "$")
          .Replace("{,}", ",")
          .Replace("\\left", string.Empty)
          .Replace("\\right", string.Empty)
          .Replace("\\approx", "≈")
          .Replace("\\times", "*")
          .Replace("\\cdot", "*")
          .Replace("\\,", string.Empty)
          .Replace("\\;", " ")
          .Replace("\\!", string.Empty)
          .Replace("\\ ", " ")
          .Replace("\\quad", " ");
        var s = sb.ToString();

        // Innermost-first so nested wrappers (\boxed{\text{\frac{1}{2}}}) unwrap fully.
        for (var guard = 0; guard < 8; guard++)
        {
            var next = FracRegex().Replace(s, "$1/$2");
            next = WrapperRegex().Replace(next, "$1");
            if (ReferenceEquals(next, s) || next == s)
            {
                break;
            }

            s = next;
        }

        // Any braces left are grouping only.
        return s.Replace("{", string.Empty, StringComparison.Ordinal).Replace("}", string.Empty, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}", RegexOptions.CultureInvariant)]
    private static partial Regex FracRegex();

    [GeneratedRegex(@"\\(?:text|textbf|textrm|mathrm|mathbf|mathit|operatorname|boxed|mbox|fbox)\s*\{([^{}]*)\}", RegexOptions.CultureInvariant)]
    private static partial Regex WrapperRegex();
}
