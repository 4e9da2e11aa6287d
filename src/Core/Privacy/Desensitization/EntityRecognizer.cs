namespace DeepFinance.Core.Privacy.Desensitization;

/// <summary>One finding of a recognizer, in normalized-text offsets.</summary>
public readonly record struct EntityCandidate(string Type, int Start, int End, double Confidence, string Recognizer);

/// <summary>A deterministic recognizer over <see cref="NormalizedText.Text"/>.</summary>
public interface IEntityRecognizer
{
    string Name { get; }

    IEnumerable<EntityCandidate> Recognize(string text);
}

/// <summary>Helpers shared by the recognizers: CJK tests and context words near a span.</summary>
internal static class Context
{
    /// <summary>Han ideographs (basic block and extension A) as a regex class body.</summary>
    public const string Han = @"\u3400-\u4DBF\u4E00-\u9FFF";

    public static bool IsHan(char c) => c is >= '\u4E00' and <= '\u9FFF' or >= '\u3400' and <= '\u4DBF';

    /// <summary>Whether any of <paramref name="words"/> occurs in the <paramref name="window"/> chars before <paramref name="start"/>.</summary>
    public static bool Before(string text, int start, int window, IEnumerable<string> words)
    {
        var from = Math.Max(0, start - window);
        var span = text.AsSpan(from, start - from);
        foreach (var word in words)
        {
            if (span.Contains(word, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Digits of <paramref name="value"/> with spaces, dashes and dots removed; letters upper-cased.</summary>
    public static string Compact(ReadOnlySpan<char> value)
    {
        var buffer = new System.Text.StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                buffer.Append(char.ToUpperInvariant(c));
            }
        }

        return buffer.ToString();
    }

    public static int CountDigits(ReadOnlySpan<char> value)
    {
        var n = 0;
        foreach (var c in value)
        {
            if (char.IsAsciiDigit(c))
            {
                n++;
            }
        }

        return n;
    }
}
