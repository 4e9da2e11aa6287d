namespace DeepFinance.Core.Verification;

/// <summary>
/// Reads a true/false judgement: <c>对 正确 是 True Yes √</c> mean true, <c>错 错误 否 False No ×</c>
/// (and the negations 不正确 / 不对 / 不是) mean false; English words are case-insensitive.
/// </summary>
public static class BooleanParser
{
    // Longer words first so 不正确 wins over 正确 and 错误 over 错.
    private static readonly (string Word, bool Value)[] Words =
    [
        ("不正确", false), ("不对", false), ("不是", false), ("错误", false), ("正确", true),
        ("false", false), ("true", true), ("yes", true), ("no", false),
        ("√", true), ("✓", true), ("✔", true), ("×", false), ("✗", false), ("✘", false),
        ("对", true), ("错", false), ("是", true), ("否", false),
    ];

    /// <summary>True when the whole <paramref name="text"/> is a single boolean word (used to classify references).</summary>
    public static bool TryParseExact(string text, out bool value)
    {
        ArgumentNullException.ThrowIfNull(text);
        var core = TrimPunctuation(text.AsSpan());
        foreach (var (word, v) in Words)
        {
            if (core.Equals(word, StringComparison.OrdinalIgnoreCase))
            {
                value = v;
                return true;
            }
        }

        value = false;
        return false;
    }

    /// <summary>
    /// Finds the first boolean word in <paramref name="text"/>. Single-character Chinese words count only
    /// when they stand alone (so 对于 / 相对 / 是否 are not read as judgements); 是 / 否 count only as the whole answer.
    /// </summary>
    public static bool TryFind(string text, out bool value)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (TryParseExact(text, out value))
        {
            return true;
        }

        for (var i = 0; i < text.Length; i++)
        {
            foreach (var (word, v) in Words)
            {
                if (word is "是" or "否")
                {
                    continue;
                }

                if (string.CompareOrdinal(text, i, word, 0, word.Length) != 0
                    && !(char.IsAsciiLetter(word[0]) && text.AsSpan(i).StartsWith(word, StringComparison.OrdinalIgnoreCase)))
                {
                    continue;
                }

                if (!StandsAlone(text, i, word))
                {
                    continue;
                }

                value = v;
                return true;
            }
        }

        value = false;
        return false;
    }

    private static bool StandsAlone(string text, int start, string word)
    {
        var end = start + word.Length;
        if (char.IsAsciiLetter(word[0]))
        {
            return (start == 0 || !char.IsAsciiLetter(text[start - 1])) && (end >= text.Length || !char.IsAsciiLetter(text[end]));
        }

        if (word.Length > 1 || !IsCjk(word[0]))
        {
            return true;
        }

        // 对 / 错: neighbours must not make a longer word (allow 是对的, 错了, 说法对。).
        var beforeOk = start == 0 || !IsCjk(text[start - 1]) || text[start - 1] is '是' or '为' or '法';
        var afterOk = end >= text.Length || !IsCjk(text[end]) || text[end] is '的' or '了';
        return beforeOk && afterOk;
    }

    private static bool IsCjk(char c) => c is >= '\u4E00' and <= '\u9FFF';

    private static ReadOnlySpan<char> TrimPunctuation(ReadOnlySpan<char> s)
    {
        s = s.Trim();
        while (s.Length > 0 && IsTrimmable(s[^1]))
        {
            s = s[..^1].TrimEnd();
        }

        while (s.Length > 0 && IsTrimmable(s[0]))
        {
            s = s[1..].TrimStart();
        }

        return s;
    }

    private static bool IsTrimmable(char c) => c is '.' or '。' or '!' or '！' or ',' or '，' or ';' or '；' or ':' or '：' or '*' or '"' or '“' or '”' or '(' or ')' or '（' or '）';
}
