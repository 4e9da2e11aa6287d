using System.Text.RegularExpressions;

namespace DeepFinance.Core.Verification;

/// <summary>A multiple-choice option: its letter and its text.</summary>
public sealed record ChoiceOption(char Letter, string Text);

/// <summary>
/// Reads option letters A–F that stand alone (not inside a word) and compares them as sets, stored
/// as a bit mask (A = bit 0 … F = bit 5). Also reads the option list from the question or options.
/// </summary>
public static partial class ChoiceParser
{
    /// <summary>Bit mask of the standalone option letters in normalized <paramref name="text"/>; 0 when none.</summary>
    public static int FindLetters(string text)
    {
        ArgumentNullException.ThrowIfNull(text);

        // An answer that opens with a letter list ("C. A single outlier…", "A、C正确") is that list only:
        // capitals in the explanation that follows are not choices.
        var leading = LeadingLetterSetRegex().Match(text);
        if (leading.Success)
        {
            return ScanLetters(leading.Groups["set"].Value);
        }

        var mask = ScanLetters(text);
        if (mask == 0)
        {
            // A lone lower-case letter ("the answer is c") is still a choice when it is the whole answer.
            var lone = LoneLowerCaseRegex().Match(text);
            if (lone.Success)
            {
                mask = 1 << (char.ToUpperInvariant(lone.Groups["l"].ValueSpan[0]) - 'A');
            }
        }

        return mask;
    }

    private static int ScanLetters(string text)
    {
        var mask = 0;
        var i = 0;
        while (i < text.Length)
        {
            if (!char.IsAsciiLetter(text[i]))
            {
                i++;
                continue;
            }

            var start = i;
            while (i < text.Length && char.IsAsciiLetter(text[i]))
            {
                i++;
            }

            // A run of letters counts when it consists only of A–F capitals (A, AC, ABDE) and is not glued to digits.
            var run = text.AsSpan(start, i - start);
            if (run.Length <= 6 && IsLetterRun(run)
                && (start == 0 || !char.IsAsciiDigit(text[start - 1]))
                && (i >= text.Length || !char.IsAsciiDigit(text[i])))
            {
                foreach (var c in run)
                {
                    mask |= 1 << (c - 'A');
                }
            }
        }

        return mask;
    }

    /// <summary>Whether the whole normalized reference is a letter set such as <c>B</c>, <c>ABE</c>, <c>A, B, D</c>, <c>A、C</c>, <c>A和C</c>.</summary>
    public static bool TryParseReference(string text, out int mask)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim().TrimEnd('.', '。');
        if (LetterSetRegex().IsMatch(trimmed))
        {
            mask = FindLetters(trimmed);
            return mask != 0;
        }

        var labelled = LabelledOptionRegex().Match(trimmed);
        if (labelled.Success)
        {
            mask = 1 << (labelled.Groups["l"].ValueSpan[0] - 'A');
            return true;
        }

        mask = 0;
        return false;
    }

    /// <summary>Renders a mask as letters in order: 0b1011 → "ABD".</summary>
    public static string ToLetters(int mask)
    {
        Span<char> buffer = stackalloc char[6];
        var n = 0;
        for (var b = 0; b < 6; b++)
        {
            if ((mask & (1 << b)) != 0)
            {
                buffer[n++] = (char)('A' + b);
            }
        }

        return new string(buffer[..n]);
    }

    /// <summary>The options of a question: from <paramref name="options"/> when given, else from lines like <c>A. 现金</c> in the question.</summary>
    public static IReadOnlyList<ChoiceOption> ReadOptions(string? question, IReadOnlyList<string>? options)
    {
        var result = new List<ChoiceOption>();
        if (options is { Count: > 0 })
        {
            for (var i = 0; i < options.Count && i < 6; i++)
            {
                var normalized = AnswerNormalizer.Normalize(options[i] ?? string.Empty).Trim();
                var m = LabelledOptionRegex().Match(normalized);
                result.Add(m.Success
                    ? new ChoiceOption(m.Groups["l"].ValueSpan[0], m.Groups["t"].Value.Trim())
                    : new ChoiceOption((char)('A' + i), normalized));
            }

            return result;
        }

        if (string.IsNullOrEmpty(question))
        {
            return result;
        }

        foreach (Match m in OptionLineRegex().Matches(AnswerNormalizer.Normalize(question)))
        {
            result.Add(new ChoiceOption(m.Groups["l"].ValueSpan[0], m.Groups["t"].Value.Trim()));
        }

        return result;
    }

    /// <summary>Letters of the options whose text appears in <paramref name="answer"/> (normalized); 0 when none.</summary>
    public static int MatchOptionTexts(string answer, IReadOnlyList<ChoiceOption> options)
    {
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentNullException.ThrowIfNull(options);
        var mask = 0;
        foreach (var option in options)
        {
            var text = option.Text.TrimEnd('.', '。');
            if (text.Length >= 2 && answer.Contains(text, StringComparison.OrdinalIgnoreCase))
            {
                mask |= 1 << (option.Letter - 'A');
            }
        }

        return mask;
    }

    private static bool IsLetterRun(ReadOnlySpan<char> run)
    {
        foreach (var c in run)
        {
            if (c is < 'A' or > 'F')
            {
                return false;
            }
        }

        return true;
    }

    [GeneratedRegex(@"^\(?[A-F]\)?(?:\s*(?:[、,，;；/&+]|and|和|与|及|或)?\s*\(?[A-F]\)?)*$", RegexOptions.CultureInvariant)]
    private static partial Regex LetterSetRegex();

    [GeneratedRegex(@"^[\s*_`""“]*(?:选项|选|(?i:options?)\s*)?[\s(]*(?<set>[A-F](?:\)?\s*(?:[、,，;；/&+]|\band\b|和|与|及|以及|或)?\s*\(?[A-F])*)\)?(?![A-Za-z0-9])", RegexOptions.CultureInvariant)]
    private static partial Regex LeadingLetterSetRegex();

    [GeneratedRegex(@"^\s*\(?(?<l>[a-f])\)?\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex LoneLowerCaseRegex();

    [GeneratedRegex(@"^\(?(?<l>[A-F])[.、:：)]\s*(?<t>\S.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex LabelledOptionRegex();

    [GeneratedRegex(@"^[ \t]*\(?(?<l>[A-F])[.、:：)][ \t]*(?<t>\S.*?)[ \t]*$", RegexOptions.CultureInvariant | RegexOptions.Multiline)]
    private static partial Regex OptionLineRegex();
}
