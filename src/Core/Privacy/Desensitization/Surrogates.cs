using System.Globalization;
using System.Text;

namespace DeepFinance.Core.Privacy.Desensitization;

/// <summary>
/// The replacements of one query: the same value of a type gets the same surrogate every time, numbered
/// in order of first appearance. Fakes depend only on the type and that number, never on the value, so a
/// fake says nothing about the original.
/// </summary>
internal sealed class Surrogates(DesensitizationOptions options, bool chinese)
{
    private static readonly string[] FakeSurnames = ["张", "王", "李", "赵", "陈", "杨", "周", "吴", "徐", "孙"];
    private static readonly string[] FakeGivenNames = ["子涵", "雨桐", "浩然", "思远", "佳怡", "俊熙", "欣妍", "宇轩", "明哲", "诗琪"];
    private static readonly string[] FakeFirstNames = ["Alex", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery", "Quinn", "Rowan"];
    private static readonly string[] FakeLastNames = ["Walker", "Young", "King", "Wright", "Hill", "Green", "Baker", "Adams", "Nelson", "Carter"];

    private readonly Dictionary<(string Type, string Key), string> _given = [];
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);

    public string For(string type, string value)
    {
        var key = (type, Key(type, value));
        if (_given.TryGetValue(key, out var surrogate))
        {
            return surrogate;
        }

        var n = _counts[type] = _counts.GetValueOrDefault(type) + 1;
        surrogate = options.ModeFor(type) switch
        {
            ReplacementMode.Mask => Mask(type, value),
            ReplacementMode.Fake => Fake(type, value, n),
            _ => $"[{EntityTypes.LabelOf(type, chinese)}{n}]",
        };
        _given[key] = surrogate;
        return surrogate;
    }

    /// <summary>What makes two writings the same value: digits for numbers (a +86 prefix aside), folded text otherwise.</summary>
    private static string Key(string type, string value)
    {
        var folded = value.Normalize(NormalizationForm.FormKC);
        switch (type)
        {
            case EntityTypes.Phone:
                var digits = new string(folded.Where(char.IsAsciiDigit).ToArray());
                return digits.Length > 11 ? digits[^11..] : digits;
            case EntityTypes.ResidentId or EntityTypes.BankCard or EntityTypes.Landline or EntityTypes.AccountNumber
                or EntityTypes.Passport or EntityTypes.Uscc or EntityTypes.LicensePlate:
                return new string(folded.Where(char.IsAsciiLetterOrDigit).Select(char.ToUpperInvariant).ToArray());
            default:
                return string.Join(' ', folded.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToUpperInvariant();
        }
    }

    private static string Mask(string type, string value)
    {
        switch (type)
        {
            case EntityTypes.Email:
                var at = value.IndexOf('@', StringComparison.Ordinal);
                return at <= 0 ? "***" : value[0] + "***" + value[at..];
            case EntityTypes.PersonName:
                return MaskName(value);
            case EntityTypes.Address:
                // Keep the area down to the district; the street, number and room go.
                var cut = value.IndexOfAny(['区', '县']);
                return cut > 0 && cut < value.Length - 1 ? value[..(cut + 1)] + "****" : "****";
            case EntityTypes.Credential:
                return "******";
            case EntityTypes.BirthDate:
                return new string(value.Select(c => char.IsAsciiDigit(c) ? '*' : c).ToArray());
            case EntityTypes.Ip:
                var parts = value.Split('.');
                return parts.Length == 4 ? $"{parts[0]}.{parts[1]}.*.*" : "*.*.*.*";
            default:
                return MaskMiddle(value);
        }
    }

    private static string MaskName(string value)
    {
        if (value.Any(Context.IsHan))
        {
            return value[0] + new string('*', Math.Max(1, value.Length - 1));
        }

        return string.Join(' ', value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => w[0] + "***"));
    }

    /// <summary>Stars the middle letters and digits, keeping separators: the first 3 and last 4 of long values, fewer of short ones.</summary>
    private static string MaskMiddle(string value)
    {
        var positions = Enumerable.Range(0, value.Length).Where(i => char.IsLetterOrDigit(value[i])).ToList();
        var n = positions.Count;
        var (head, tail) = n >= 11 ? (3, 4) : n >= 7 ? (2, 2) : (1, 1);
        if (n <= head + tail)
        {
            (head, tail) = (0, 0);
        }

        var chars = value.ToCharArray();
        for (var k = head; k < n - tail; k++)
        {
            chars[positions[k]] = '*';
        }

        return new string(chars);
    }

    private string Fake(string type, string value, int n)
    {
        for (var attempt = n; ; attempt += 97)
        {
            var fake = MakeFake(type, value, attempt);
            // A surrogate must differ from the original, even by chance.
            if (!string.Equals(Key(type, fake), Key(type, value), StringComparison.Ordinal))
            {
                return fake;
            }
        }
    }

    private string MakeFake(string type, string value, int n)
    {
        var inv = CultureInfo.InvariantCulture;
        switch (type)
        {
            case EntityTypes.PersonName:
                return value.Any(Context.IsHan)
                    ? FakeSurnames[(n - 1) % FakeSurnames.Length] + FakeGivenNames[((n - 1) / FakeSurnames.Length + n - 1) % FakeGivenNames.Length]
                    : FakeFirstNames[(n - 1) % FakeFirstNames.Length] + " " + FakeLastNames[((n - 1) / FakeFirstNames.Length + n - 1) % FakeLastNames.Length];
            case EntityTypes.ResidentId:
                var birth = new DateOnly(1980, 1, 1).AddDays(n * 37 % 9000);
                var first17 = "110101" + birth.ToString("yyyyMMdd", inv) + (100 + n % 900).ToString("000", inv);
                return first17 + IdentifierChecks.ResidentIdCheckChar(first17);
            case EntityTypes.Phone:
                return "1380000" + (n % 10000).ToString("0000", inv);
            case EntityTypes.Landline:
                return "010-6" + (n % 10_000_000).ToString("0000000", inv);
            case EntityTypes.BankCard:
                var length = Math.Clamp(value.Count(char.IsAsciiDigit), 16, 19);
                var payload = "622200" + (n % 1_000_000_000).ToString(inv).PadLeft(length - 7, '0');
                return payload + IdentifierChecks.LuhnCheckDigit(payload);
            case EntityTypes.Uscc:
                var code17 = "91110000MA" + (n % 10_000_000).ToString("0000000", inv);
                return code17 + IdentifierChecks.UsccCheckChar(code17);
            case EntityTypes.Email:
                return $"user{n}@example.com";
            case EntityTypes.Passport:
                return "E" + (n % 100_000_000).ToString("00000000", inv);
            case EntityTypes.LicensePlate:
                return "京A" + (n % 100_000).ToString("00000", inv);
            case EntityTypes.Ip:
                return "192.0.2." + (n % 254 + 1).ToString(inv);
            case EntityTypes.Address:
                return chinese ? $"示例市示例区示例路{n}号" : $"{n} Example Street, Springfield";
            case EntityTypes.Credential:
                return "******";
            case EntityTypes.BirthDate:
                var date = new DateOnly(1980, 1, 1).AddDays(n * 53 % 7000);
                return date.ToString(chinese ? "yyyy年M月d日" : "yyyy-MM-dd", inv);
            default:
                // Account numbers and the like: the same letters, the digits replaced by the number.
                var digitCount = value.Count(char.IsAsciiDigit);
                var digits = (n % 1_000_000_000).ToString(inv).PadLeft(digitCount, '0');
                var result = new StringBuilder(value.Length);
                var d = digits.Length - digitCount;
                foreach (var c in value)
                {
                    result.Append(char.IsAsciiDigit(c) ? digits[d++] : c);
                }

                return result.ToString();
        }
    }
}
