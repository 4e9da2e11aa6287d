using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace DeepFinance.Core.Curation;

/// <summary>What a token of a normalised question is.</summary>
public enum TokenKind
{
    /// <summary>A run of letters outside the CJK blocks (an English word), lower-cased.</summary>
    Word,

    /// <summary>One CJK character (Chinese needs no segmenter: each character is a token).</summary>
    Han,

    /// <summary>A number in canonical form: no thousands separators, no trailing decimal zeros, '%' attached, '-' for a sign.</summary>
    Number,

    /// <summary>A symbol kept because it carries meaning ($, ¥, +, =, …).</summary>
    Symbol,

    /// <summary>Where punctuation stood: not part of the text's identity, but it separates clauses.</summary>
    Boundary,
}

/// <summary>One token of a normalised question.</summary>
public readonly record struct TextToken(TokenKind Kind, string Value);

/// <summary>
/// A question after <see cref="TextNormalizer"/>: <see cref="Key"/> is equal for texts that differ only in width,
/// case, whitespace, punctuation, filler words and number formatting; <see cref="Tokens"/> keeps clause boundaries
/// for the duplicate guard.
/// </summary>
public sealed class NormalizedText
{
    private const char BoundaryMark = '|';

    internal NormalizedText(IReadOnlyList<TextToken> tokens)
    {
        Tokens = tokens;
        Key = Render(tokens);
    }

    /// <summary>The tokens, with <see cref="TokenKind.Boundary"/> where punctuation stood.</summary>
    public IReadOnlyList<TextToken> Tokens { get; }

    /// <summary>The exact-duplicate key: tokens without boundaries; words and numbers separated by one space, CJK joined.</summary>
    public string Key { get; }

    /// <summary>
    /// A compact form that <see cref="FromCompact"/> reads back into the same tokens; an index keeps this per
    /// question instead of the token objects.
    /// </summary>
    public string ToCompact()
    {
        var sb = new StringBuilder();
        foreach (var token in Tokens)
        {
            if (sb.Length > 0)
            {
                sb.Append(' ');
            }

            sb.Append(token.Kind switch
            {
                TokenKind.Word => 'w',
                TokenKind.Han => 'h',
                TokenKind.Number => 'n',
                TokenKind.Symbol => 's',
                _ => BoundaryMark,
            });
            if (token.Kind != TokenKind.Boundary)
            {
                sb.Append(token.Value);
            }
        }

        return sb.ToString();
    }

    /// <summary>Reads a <see cref="ToCompact"/> string back.</summary>
    public static NormalizedText FromCompact(string compact)
    {
        ArgumentNullException.ThrowIfNull(compact);
        var tokens = new List<TextToken>();
        foreach (var part in compact.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var kind = part[0] switch
            {
                'w' => TokenKind.Word,
                'h' => TokenKind.Han,
                'n' => TokenKind.Number,
                's' => TokenKind.Symbol,
                _ => TokenKind.Boundary,
            };
            tokens.Add(new TextToken(kind, kind == TokenKind.Boundary ? string.Empty : part[1..]));
        }

        return new NormalizedText(tokens);
    }

    private static string Render(IReadOnlyList<TextToken> tokens)
    {
        var sb = new StringBuilder();
        var previousSpaced = false;
        foreach (var token in tokens)
        {
            if (token.Kind == TokenKind.Boundary)
            {
                continue;
            }

            // Words and numbers need a space between them to stay apart; CJK characters do not.
            var spaced = token.Kind is TokenKind.Word or TokenKind.Number;
            if (spaced && previousSpaced)
            {
                sb.Append(' ');
            }

            sb.Append(token.Value);
            previousSpaced = spaced;
        }

        return sb.ToString();
    }
}

/// <summary>
/// Normalises a question so that differences a reader would not notice disappear: character width (NFKC), case,
/// whitespace and line breaks, punctuation, polite filler words (请问, 麻烦算一下, please, could you …) and number
/// formatting (1,000 → 1000, 1.2000 → 1.2). Digits, signs, percent signs, negations and every other word are kept,
/// so two questions that differ in meaning never share a key. Stateless and thread-safe; used by dedup and (later)
/// decontamination and A2Q's near-duplicate check.
/// </summary>
public sealed partial class TextNormalizer
{
    /// <summary>The shared instance.</summary>
    public static TextNormalizer Instance { get; } = new();

    /// <summary>Normalises <paramref name="text"/>.</summary>
    public NormalizedText Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var s = text.Normalize(NormalizationForm.FormKC).ToLowerInvariant();
        s = s.Replace('\u2212', '-'); // the minus sign NFKC leaves alone
        s = NegativeContraction().Replace(s, " not");
        s = Cannot().Replace(s, "can not");
        s = ThousandsGroups().Replace(s, m => m.Value.Replace(",", string.Empty, StringComparison.Ordinal));
        s = CurationLexicon.ChineseFillers().Replace(s, " ");
        s = CurationLexicon.EnglishFillers().Replace(s, " ");
        s = CurationLexicon.LeadingPlease().Replace(s, "$1");
        return new NormalizedText(Tokenize(s));
    }

    /// <summary>The exact-duplicate key of <paramref name="text"/>.</summary>
    public string Key(string text) => Normalize(text).Key;

    private static List<TextToken> Tokenize(string s)
    {
        var tokens = new List<TextToken>(s.Length);
        var i = 0;
        while (i < s.Length)
        {
            var c = s[i];
            if (char.IsAsciiDigit(c))
            {
                i = ReadNumber(s, i, tokens);
                continue;
            }

            if (IsHan(s, i, out var width))
            {
                tokens.Add(new TextToken(TokenKind.Han, CurationLexicon.Intern(s.Substring(i, width))));
                i += width;
                continue;
            }

            if (char.IsLetter(c))
            {
                var start = i;
                while (i < s.Length && char.IsLetter(s[i]) && !IsHan(s, i, out _))
                {
                    i++;
                }

                tokens.Add(new TextToken(TokenKind.Word, CurationLexicon.Intern(s[start..i])));
                continue;
            }

            if (c is '-' && i + 1 < s.Length && char.IsAsciiDigit(s[i + 1]) && (i == 0 || !char.IsAsciiLetterOrDigit(s[i - 1])))
            {
                // A sign, not a hyphen: -6% is not 6%.
                i = ReadNumber(s, i, tokens);
                continue;
            }

            var category = char.GetUnicodeCategory(c);
            if (char.IsWhiteSpace(c) || (c is '-' or '_' && i > 0 && i + 1 < s.Length && char.IsLetterOrDigit(s[i - 1]) && char.IsLetterOrDigit(s[i + 1])))
            {
                // Whitespace separates without ending a clause; so does a hyphen inside a word (risk-free, 5-year).
            }
            else if (category is UnicodeCategory.CurrencySymbol or UnicodeCategory.MathSymbol || c is '%' or '#' or '&' or '@')
            {
                tokens.Add(new TextToken(TokenKind.Symbol, c.ToString()));
            }
            else if (IsPunctuation(category) || category is UnicodeCategory.OtherSymbol or UnicodeCategory.ModifierSymbol)
            {
                if (tokens.Count > 0 && tokens[^1].Kind != TokenKind.Boundary)
                {
                    tokens.Add(new TextToken(TokenKind.Boundary, string.Empty));
                }
            }

            i++;
        }

        if (tokens.Count > 0 && tokens[^1].Kind == TokenKind.Boundary)
        {
            tokens.RemoveAt(tokens.Count - 1);
        }

        return tokens;
    }

    private static int ReadNumber(string s, int i, List<TextToken> tokens)
    {
        var negative = s[i] == '-';
        if (negative)
        {
            i++;
        }

        var start = i;
        while (i < s.Length && char.IsAsciiDigit(s[i]))
        {
            i++;
        }

        var integer = s[start..i].TrimStart('0');
        var fraction = string.Empty;
        if (i + 1 < s.Length && s[i] == '.' && char.IsAsciiDigit(s[i + 1]))
        {
            var fractionStart = ++i;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
            }

            fraction = s[fractionStart..i].TrimEnd('0');
        }

        var percent = i < s.Length && s[i] == '%';
        if (percent)
        {
            i++;
        }

        var value = (integer.Length == 0 ? "0" : integer) + (fraction.Length > 0 ? "." + fraction : string.Empty);
        if (negative && value != "0")
        {
            value = "-" + value;
        }

        tokens.Add(new TextToken(TokenKind.Number, percent ? value + "%" : value));
        return i;
    }

    private static bool IsPunctuation(UnicodeCategory category) => category is UnicodeCategory.ConnectorPunctuation
        or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation
        or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;

    /// <summary>CJK ideographs (BMP and the supplementary planes), kana and hangul: one token per character.</summary>
    private static bool IsHan(string s, int i, out int width)
    {
        width = 1;
        var c = s[i];
        if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
        {
            width = 2;
            var cp = char.ConvertToUtf32(c, s[i + 1]);
            return cp is >= 0x20000 and <= 0x3FFFF;
        }

        return c is (>= '\u3400' and <= '\u4DBF') or (>= '\u4E00' and <= '\u9FFF') or (>= '\uF900' and <= '\uFAFF')
            or (>= '\u3040' and <= '\u30FF') or (>= '\uAC00' and <= '\uD7AF');
    }

    [GeneratedRegex(@"n't\b")]
    private static partial Regex NegativeContraction();

    [GeneratedRegex(@"\bcannot\b")]
    private static partial Regex Cannot();

    [GeneratedRegex(@"(?<![\d.])(?<!\d,)\d{1,3}(?:,\d{3})+(?!\d)")]
    private static partial Regex ThousandsGroups();
}
