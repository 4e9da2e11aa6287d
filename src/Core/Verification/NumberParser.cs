using System.Globalization;

namespace DeepFinance.Core.Verification;

/// <summary>
/// Reads numeric quantities out of normalized answer text (see <see cref="AnswerNormalizer"/>):
/// thousands separators, leading/trailing currency, signs, accounting parentheses, fractions, percent
/// and magnitude words in Chinese and English. Hand-written scanner: no regex, no allocation besides
/// the result list.
/// </summary>
public static class NumberParser
{
    private const int MaxDigits = 18;

    private static readonly (string Word, decimal Factor)[] ChineseMagnitudes =
    [
        ("万亿", 1_000_000_000_000m),
        ("千万", 10_000_000m),
        ("百万", 1_000_000m),
        ("亿", 100_000_000m),
        ("万", 10_000m),
        ("千", 1_000m),
    ];

    private static readonly (string Word, decimal Factor)[] EnglishMagnitudes =
    [
        ("trillion", 1_000_000_000_000m),
        ("billion", 1_000_000_000m),
        ("million", 1_000_000m),
        ("thousand", 1_000m),
        ("bn", 1_000_000_000m),
        ("mn", 1_000_000m),
    ];

    private static readonly string[] CurrencyWordsAfter =
        ["人民币", "美元", "港元", "港币", "欧元", "元", "USD", "RMB", "CNY", "HKD", "dollars", "dollar", "yuan"];

    /// <summary>Finds every quantity in <paramref name="text"/> (already normalized) and appends it to <paramref name="results"/>.</summary>
    public static void FindAll(string text, List<Quantity> results)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(results);
        var i = 0;
        while (i < text.Length)
        {
            if (!StartsNumber(text, i))
            {
                i++;
                continue;
            }

            if (TryParseAt(text, i, out var quantity, out var end))
            {
                results.Add(quantity);
                i = end;
            }
            else
            {
                i = SkipNumberChars(text, i);
            }
        }
    }

    /// <summary>Convenience: all quantities in <paramref name="text"/>, normalizing it first.</summary>
    public static IReadOnlyList<Quantity> Parse(string text)
    {
        var list = new List<Quantity>();
        FindAll(AnswerNormalizer.Normalize(text), list);
        return list;
    }

    private static bool StartsNumber(string s, int i)
    {
        var c = s[i];
        if (char.IsAsciiDigit(c))
        {
            return i == 0 || (!char.IsAsciiDigit(s[i - 1]) && s[i - 1] != '.');
        }

        return c == '.' && i + 1 < s.Length && char.IsAsciiDigit(s[i + 1]) && (i == 0 || !char.IsAsciiDigit(s[i - 1]));
    }

    private static int SkipNumberChars(string s, int i)
    {
        while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.' || s[i] == ','))
        {
            i++;
        }

        return i;
    }

    private static bool TryParseAt(string s, int i, out Quantity quantity, out int end)
    {
        quantity = default;
        end = i;

        // A number glued to a word (Q3, FY2024, T+1's T) is a label, unless the word is a currency code.
        if (i > 0 && char.IsAsciiLetter(s[i - 1]) && !EndsWithCurrencyCode(s, i))
        {
            return false;
        }

        var j = i;
        if (!TryReadMantissa(s, ref j, out var mantissa, out var decimals))
        {
            return false;
        }

        // Fraction a/b.
        var isFraction = false;
        var k = SkipSpaces(s, j);
        if (k < s.Length && s[k] == '/')
        {
            var d = SkipSpaces(s, k + 1);
            if (d < s.Length && char.IsAsciiDigit(s[d]) && TryReadMantissa(s, ref d, out var denominator, out _) && denominator != 0m)
            {
                mantissa /= denominator;
                isFraction = true;
                j = d;
            }
        }

        // Look behind: currency, sign, opening parenthesis.
        var b = SkipSpacesBack(s, i - 1);
        b = SkipCurrencyBack(s, b);
        b = SkipSpacesBack(s, b);
        var negative = false;
        var open = false;
        var start = i;
        if (b >= 0 && (s[b] == '-' || s[b] == '+') && IsUnarySign(s, b))
        {
            negative = s[b] == '-';
            start = b;
            b = SkipSpacesBack(s, b - 1);
            b = SkipCurrencyBack(s, b);
            b = SkipSpacesBack(s, b);
        }

        if (b >= 0 && s[b] == '(')
        {
            open = true;
        }

        // Look ahead: percent, magnitude, currency words, closing parenthesis.
        var percent = false;
        decimal magnitude = 1m;
        string? magnitudeWord = null;
        var p = j;
        ReadSuffixes(s, ref p, ref percent, ref magnitude, ref magnitudeWord);
        if (open)
        {
            var q = SkipSpaces(s, p);
            if (q < s.Length && s[q] == ')')
            {
                negative = true;
                start = b;
                p = q + 1;
                ReadSuffixes(s, ref p, ref percent, ref magnitude, ref magnitudeWord);
            }
        }
        else if (magnitudeWord is null)
        {
            // "-130（万元）": a magnitude written in parentheses right after the number.
            var q = SkipSpaces(s, p);
            if (q < s.Length && s[q] == '(' && TryMagnitude(s, q + 1, true, out var factor, out var word, out var after))
            {
                var close = SkipSpaces(s, SkipCurrencyWords(s, after));
                if (close < s.Length && s[close] == ')')
                {
                    magnitude = factor;
                    magnitudeWord = word;
                    p = close + 1;
                }
            }
        }

        try
        {
            var written = negative ? -mantissa : mantissa;
            var scale = percent ? magnitude / 100m : magnitude;
            var value = written * scale;
            quantity = new Quantity(value, written, scale, decimals, percent, isFraction, magnitudeWord, start, p - start);
            end = p;
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    private static void ReadSuffixes(string s, ref int p, ref bool percent, ref decimal magnitude, ref string? magnitudeWord)
    {
        var q = SkipSpaces(s, p);
        if (!percent && q < s.Length && s[q] == '%')
        {
            percent = true;
            p = q + 1;
            q = SkipSpaces(s, p);
        }

        if (magnitudeWord is null && TryMagnitude(s, q, attached: q == p, out var factor, out var word, out var after))
        {
            magnitude = factor;
            magnitudeWord = word;
            p = after;
        }

        p = SkipCurrencyWords(s, p);
    }

    private static bool TryMagnitude(string s, int q, bool attached, out decimal factor, out string word, out int after)
    {
        factor = 1m;
        word = string.Empty;
        after = q;
        if (q >= s.Length)
        {
            return false;
        }

        var rest = s.AsSpan(q);
        foreach (var (w, f) in ChineseMagnitudes)
        {
            if (rest.StartsWith(w, StringComparison.Ordinal))
            {
                (factor, word, after) = (f, w, q + w.Length);
                return true;
            }
        }

        foreach (var (w, f) in EnglishMagnitudes)
        {
            if (rest.StartsWith(w, StringComparison.OrdinalIgnoreCase))
            {
                var e = q + w.Length;
                if (e < s.Length && (s[e] == 's' || s[e] == 'S') && w.Length > 2)
                {
                    e++;
                }

                if (e >= s.Length || !char.IsAsciiLetter(s[e]))
                {
                    (factor, word, after) = (f, w.ToLowerInvariant(), e);
                    return true;
                }
            }
        }

        // Single-letter abbreviations: $18M, 250K, $2.4B (B only when glued to the number).
        var c = s[q];
        var next = q + 1;
        if (next < s.Length && char.IsAsciiLetter(s[next]))
        {
            return false;
        }

        (factor, word) = c switch
        {
            'k' or 'K' => (1_000m, "thousand"),
            'M' => (1_000_000m, "million"),
            'B' when attached => (1_000_000_000m, "billion"),
            _ => (1m, string.Empty),
        };
        after = next;
        return factor != 1m;
    }

    private static bool TryReadMantissa(string s, ref int j, out decimal value, out int decimals)
    {
        value = 0m;
        decimals = 0;
        Span<char> buffer = stackalloc char[MaxDigits + 2];
        var length = 0;
        var digitStart = j;
        while (j < s.Length && char.IsAsciiDigit(s[j]))
        {
            if (length >= MaxDigits)
            {
                return false;
            }

            buffer[length++] = s[j++];
        }

        var integerDigits = j - digitStart;
        if (integerDigits is >= 1 and <= 3)
        {
            // Thousands groups: ",ddd" exactly three digits each.
            while (j + 3 < s.Length && s[j] == ',' && char.IsAsciiDigit(s[j + 1]) && char.IsAsciiDigit(s[j + 2]) && char.IsAsciiDigit(s[j + 3])
                   && (j + 4 >= s.Length || !char.IsAsciiDigit(s[j + 4])))
            {
                if (length + 3 > MaxDigits)
                {
                    return false;
                }

                buffer[length++] = s[j + 1];
                buffer[length++] = s[j + 2];
                buffer[length++] = s[j + 3];
                j += 4;
            }
        }

        if (j + 1 < s.Length && s[j] == '.' && char.IsAsciiDigit(s[j + 1]))
        {
            buffer[length++] = '.';
            j++;
            while (j < s.Length && char.IsAsciiDigit(s[j]))
            {
                if (length >= buffer.Length)
                {
                    return false;
                }

                buffer[length++] = s[j++];
                decimals++;
            }
        }

        if (length == 0)
        {
            return false;
        }

        return decimal.TryParse(buffer[..length], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value);
    }

    private static bool IsUnarySign(string s, int signIndex)
    {
        var prev = SkipSpacesBack(s, signIndex - 1);
        if (prev < 0)
        {
            return true;
        }

        var c = s[prev];
        return !(char.IsAsciiDigit(c) || char.IsAsciiLetter(c) || c == ')' || c == '%' || c == '.');
    }

    private static int SkipSpaces(string s, int i)
    {
        while (i < s.Length && s[i] == ' ')
        {
            i++;
        }

        return i;
    }

    private static int SkipSpacesBack(string s, int i)
    {
        while (i >= 0 && s[i] == ' ')
        {
            i--;
        }

        return i;
    }

    private static int SkipCurrencyBack(string s, int b)
    {
        if (b < 0)
        {
            return b;
        }

        var c = s[b];
        if (c is '$' or '¥' or '€' or '£')
        {
            b--;
            if (c == '$' && b >= 1 && char.IsAsciiLetter(s[b]) && char.IsAsciiLetter(s[b - 1]) && (b < 2 || !char.IsAsciiLetter(s[b - 2])))
            {
                b -= 2; // US$, HK$
            }

            return b;
        }

        if (b >= 2 && char.IsAsciiLetter(c) && (b < 3 || !char.IsAsciiLetter(s[b - 3])))
        {
            var code = s.AsSpan(b - 2, 3);
            if (IsCurrencyCode(code))
            {
                return b - 3;
            }
        }

        if (c == '元' && b >= 2 && s.AsSpan(b - 2, 3).SequenceEqual("人民币元"))
        {
            return b - 3;
        }

        if (b >= 2 && s.AsSpan(b - 2, 3).SequenceEqual("人民币"))
        {
            return b - 3;
        }

        return b;
    }

    private static bool EndsWithCurrencyCode(string s, int numberStart)
    {
        var b = numberStart - 1;
        return b >= 2 && IsCurrencyCode(s.AsSpan(b - 2, 3)) && (b < 3 || !char.IsAsciiLetter(s[b - 3]));
    }

    private static bool IsCurrencyCode(ReadOnlySpan<char> code) =>
        code.Equals("USD", StringComparison.OrdinalIgnoreCase)
        || code.Equals("RMB", StringComparison.OrdinalIgnoreCase)
        || code.Equals("CNY", StringComparison.OrdinalIgnoreCase)
        || code.Equals("HKD", StringComparison.OrdinalIgnoreCase)
        || code.Equals("EUR", StringComparison.OrdinalIgnoreCase);

    private static int SkipCurrencyWords(string s, int p)
    {
        var q = SkipSpaces(s, p);
        foreach (var w in CurrencyWordsAfter)
        {
            if (s.AsSpan(q).StartsWith(w, StringComparison.OrdinalIgnoreCase))
            {
                var e = q + w.Length;
                if (!char.IsAsciiLetter(w[0]) || e >= s.Length || !char.IsAsciiLetter(s[e]))
                {
                    return e;
                }
            }
        }

        return p;
    }
}
