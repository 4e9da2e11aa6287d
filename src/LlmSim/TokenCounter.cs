using System.Globalization;
using System.Text;

namespace DeepFinance.LlmSim;

/// <summary>
/// A rough token count: one token per CJK character, one per four other characters.
/// Good enough for usage numbers and cost estimates in tests.
/// </summary>
public static class TokenCounter
{
    public static int Count(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return 0;
        }

        var cjk = 0;
        var other = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (IsCjk(rune))
            {
                cjk++;
            }
            else
            {
                other++;
            }
        }

        return cjk + ((other + 3) / 4);
    }

    /// <summary>The longest prefix of <paramref name="text"/> that fits in <paramref name="tokens"/>.</summary>
    public static string Truncate(string text, int tokens)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (tokens <= 0)
        {
            return string.Empty;
        }

        var budget = tokens * 4;
        var builder = new StringBuilder();
        foreach (var rune in text.EnumerateRunes())
        {
            var cost = IsCjk(rune) ? 4 : 1;
            if (cost > budget)
            {
                break;
            }

            budget -= cost;
            builder.Append(rune.ToString());
        }

        return builder.ToString();
    }

    public static bool ContainsCjk(string? text) =>
        !string.IsNullOrEmpty(text) && text.EnumerateRunes().Any(IsCjk);

    public static bool IsCjk(Rune rune)
    {
        var v = rune.Value;
        return (v >= 0x4E00 && v <= 0x9FFF)      // unified ideographs
            || (v >= 0x3400 && v <= 0x4DBF)      // extension A
            || (v >= 0x20000 && v <= 0x2FA1F)    // extensions B and later, compatibility supplement
            || (v >= 0xF900 && v <= 0xFAFF)      // compatibility ideographs
            || (v >= 0x3000 && v <= 0x303F)      // CJK punctuation
            || (v >= 0x3040 && v <= 0x30FF)      // kana
            || (v >= 0xAC00 && v <= 0xD7AF)      // hangul
            || (v >= 0xFF00 && v <= 0xFFEF)      // full-width forms
            || Rune.GetUnicodeCategory(rune) == UnicodeCategory.OtherLetter && v >= 0x2E80 && v <= 0x2FDF;
    }
}
