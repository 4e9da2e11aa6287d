using System.Globalization;
using DeepFinance.Core.Privacy.Desensitization;

namespace DeepFinance.Core.Tests.Privacy.Desensitization;

/// <summary>
/// Synthetic but valid identifiers for tests. The check digits are computed here from the standards'
/// formulas, independently of the production code, so a test can catch a wrong table there.
/// </summary>
internal static class Synthetic
{
    /// <summary>GB 11643: weights 2^(17-i) mod 11, check value (12 - S mod 11) mod 11, 10 written X.</summary>
    public static string ResidentId(string region = "110105", string birth = "19900307", string sequence = "851")
    {
        var first17 = region + birth + sequence;
        var sum = 0;
        for (var i = 0; i < 17; i++)
        {
            sum += (first17[i] - '0') * (int)(Math.Pow(2, 17 - i) % 11);
        }

        var check = (12 - (sum % 11)) % 11;
        return first17 + (check == 10 ? "X" : check.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>A resident ID whose check character is wrong.</summary>
    public static string ResidentIdWithWrongCheck(string region = "110105", string birth = "19900307", string sequence = "851")
    {
        var valid = ResidentId(region, birth, sequence);
        var wrong = valid[17] == '0' ? '1' : '0';
        return valid[..17] + wrong;
    }

    /// <summary>A card number of <paramref name="length"/> digits starting with <paramref name="prefix"/>, Luhn-valid.</summary>
    public static string Card(string prefix, int length, int seed = 7)
    {
        var payload = prefix;
        var r = seed;
        while (payload.Length < length - 1)
        {
            r = (r * 31 + 11) % 97;
            payload += (char)('0' + r % 10);
        }

        for (var d = 0; d <= 9; d++)
        {
            var candidate = payload + d.ToString(CultureInfo.InvariantCulture);
            if (Luhn(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("unreachable");
    }

    public static string CardWithWrongCheck(string prefix, int length)
    {
        var valid = Card(prefix, length);
        return valid[..^1] + (char)('0' + (valid[^1] - '0' + 1) % 10);
    }

    private static bool Luhn(string digits)
    {
        var sum = 0;
        for (var i = 0; i < digits.Length; i++)
        {
            var d = digits[digits.Length - 1 - i] - '0';
            if (i % 2 == 1)
            {
                d = d * 2 is var x && x > 9 ? x - 9 : x;
            }

            sum += d;
        }

        return sum % 10 == 0;
    }

    /// <summary>GB 32100: weights 3^(i) mod 31, check (31 - S mod 31) mod 31 over the 31-symbol alphabet.</summary>
    public static string Uscc(string first17 = "91440300MA5FXT2Q7")
    {
        const string alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
        var sum = 0;
        var weight = 1;
        for (var i = 0; i < 17; i++)
        {
            sum += alphabet.IndexOf(first17[i], StringComparison.Ordinal) * weight;
            weight = weight * 3 % 31;
        }

        return first17 + alphabet[(31 - (sum % 31)) % 31];
    }

    public static DesensitizationResult Redact(string text, ReplacementMode mode = ReplacementMode.Placeholder) =>
        new Desensitizer(new DesensitizationOptions { DefaultMode = mode }).Desensitize(text);

    /// <summary>The entity covering original offsets of <paramref name="value"/> in <paramref name="text"/>, or null.</summary>
    public static DesensitizedEntity? EntityOver(DesensitizationResult result, string text, string value)
    {
        var at = text.IndexOf(value, StringComparison.Ordinal);
        return result.Entities.FirstOrDefault(e => e.Start <= at && e.End >= at + value.Length);
    }
}
