namespace DeepFinance.Core.Privacy.Desensitization;

/// <summary>Check characters of Chinese identifiers and cards (review-anchors §6), used as confidence and to make valid fakes.</summary>
public static class IdentifierChecks
{
    private static readonly int[] ResidentIdWeights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    private const string ResidentIdCheckTable = "10X98765432";

    /// <summary>The 31 symbols of a unified social credit code, in value order (no I, O, S, V, Z).</summary>
    public const string UsccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    private static readonly int[] UsccWeights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

    /// <summary>GB 11643 (ISO 7064 MOD 11-2) check character for 17 digits, or null when they are not 17 digits.</summary>
    public static char? ResidentIdCheckChar(ReadOnlySpan<char> first17)
    {
        if (first17.Length != 17)
        {
            return null;
        }

        var sum = 0;
        for (var i = 0; i < 17; i++)
        {
            if (!char.IsAsciiDigit(first17[i]))
            {
                return null;
            }

            sum += (first17[i] - '0') * ResidentIdWeights[i];
        }

        return ResidentIdCheckTable[sum % 11];
    }

    /// <summary>An 18-character resident ID with a real birth date and the right check character (x accepted for X).</summary>
    public static bool IsValidResidentId(ReadOnlySpan<char> id) =>
        id.Length == 18
        && HasValidBirthDate(id)
        && ResidentIdCheckChar(id[..17]) is { } check
        && char.ToUpperInvariant(id[17]) == check;

    /// <summary>Positions 7–14 (YYYYMMDD) form a real date between 1900 and 2099.</summary>
    public static bool HasValidBirthDate(ReadOnlySpan<char> id)
    {
        if (id.Length < 14)
        {
            return false;
        }

        for (var i = 6; i < 14; i++)
        {
            if (!char.IsAsciiDigit(id[i]))
            {
                return false;
            }
        }

        var year = int.Parse(id.Slice(6, 4), provider: System.Globalization.CultureInfo.InvariantCulture);
        var month = int.Parse(id.Slice(10, 2), provider: System.Globalization.CultureInfo.InvariantCulture);
        var day = int.Parse(id.Slice(12, 2), provider: System.Globalization.CultureInfo.InvariantCulture);
        return year is >= 1900 and <= 2099 && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month);
    }

    /// <summary>Luhn (mod 10) over a run of digits whose last digit is the check digit.</summary>
    public static bool IsLuhnValid(ReadOnlySpan<char> digits)
    {
        if (digits.Length < 2)
        {
            return false;
        }

        var sum = 0;
        var doubled = false;
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            if (!char.IsAsciiDigit(digits[i]))
            {
                return false;
            }

            var d = digits[i] - '0';
            if (doubled)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
            doubled = !doubled;
        }

        return sum % 10 == 0;
    }

    /// <summary>The Luhn check digit to append to <paramref name="payload"/>.</summary>
    public static char LuhnCheckDigit(ReadOnlySpan<char> payload)
    {
        var candidate = new char[payload.Length + 1];
        payload.CopyTo(candidate);
        for (var c = '0'; c <= '9'; c++)
        {
            candidate[^1] = c;
            if (IsLuhnValid(candidate))
            {
                return c;
            }
        }

        throw new ArgumentException("payload must be digits", nameof(payload));
    }

    /// <summary>GB 32100 check character for the first 17 characters of a USCC, or null when a character is outside the alphabet.</summary>
    public static char? UsccCheckChar(ReadOnlySpan<char> first17)
    {
        if (first17.Length != 17)
        {
            return null;
        }

        var sum = 0;
        for (var i = 0; i < 17; i++)
        {
            var value = UsccAlphabet.IndexOf(char.ToUpperInvariant(first17[i]));
            if (value < 0)
            {
                return null;
            }

            sum += value * UsccWeights[i];
        }

        return UsccAlphabet[(31 - (sum % 31)) % 31];
    }

    /// <summary>An 18-character USCC: alphabet, digits in positions 3–8, right check character.</summary>
    public static bool IsValidUscc(ReadOnlySpan<char> code)
    {
        if (code.Length != 18)
        {
            return false;
        }

        for (var i = 2; i < 8; i++)
        {
            if (!char.IsAsciiDigit(code[i]))
            {
                return false;
            }
        }

        return UsccCheckChar(code[..17]) is { } check && char.ToUpperInvariant(code[17]) == check;
    }
}
