using System.Text.RegularExpressions;

namespace DeepFinance.Core.Privacy.Desensitization;

// Numeric identifiers. Boundaries are explicit lookarounds, never \b: a digit glued to a Chinese character
// is a boundary here (CJK ideographs are word characters to \b).

/// <summary>18-character resident IDs (check character and birth date), and legacy 15-digit ones after an ID word.</summary>
public sealed partial class ResidentIdRecognizer : IEntityRecognizer
{
    private static readonly string[] Cues = ["身份证", "证件号", "身份号", "公民号", "ID card", "ID number", "ID No", "identity", "resident ID"];

    public string Name => "ResidentIdRecognizer";

    [GeneratedRegex(@"(?<![0-9A-Za-z])[1-9]\d{5}[ -]?(?:18|19|20)\d{2}[ -]?(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])[ -]?\d{3}[0-9Xx](?![0-9A-Za-z])", RegexOptions.CultureInvariant)]
    private static partial Regex Eighteen();

    [GeneratedRegex(@"(?<![0-9A-Za-z])[1-9]\d{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?![0-9A-Za-z])", RegexOptions.CultureInvariant)]
    private static partial Regex Fifteen();

    // Any other grouping of the 18 characters ("3301 0619 7804 2510 6X"); taken only when it validates or follows an ID word.
    [GeneratedRegex(@"(?<![0-9A-Za-z])[1-9](?:[ -]?\d){16}[ -]?[0-9Xx](?![0-9A-Za-z])", RegexOptions.CultureInvariant)]
    private static partial Regex Grouped();

    public IEnumerable<EntityCandidate> Recognize(string text)
    {
        foreach (Match m in Grouped().Matches(text))
        {
            var id = Context.Compact(m.ValueSpan);
            var valid = IdentifierChecks.IsValidResidentId(id);
            if (valid || (IdentifierChecks.HasValidBirthDate(id) && Context.Before(text, m.Index, 12, Cues)))
            {
                yield return new(EntityTypes.ResidentId, m.Index, m.Index + m.Length, valid ? 0.99 : 0.8, Name);
            }
        }

        foreach (Match m in Eighteen().Matches(text))
        {
            var id = Context.Compact(m.ValueSpan);
            if (IdentifierChecks.IsValidResidentId(id))
            {
                yield return new(EntityTypes.ResidentId, m.Index, m.Index + m.Length, 0.99, Name);
            }
            else if (IdentifierChecks.HasValidBirthDate(id))
            {
                // A wrong check character is still most likely a mistyped ID; other recognizers may claim it with more weight.
                var cued = Context.Before(text, m.Index, 12, Cues);
                yield return new(EntityTypes.ResidentId, m.Index, m.Index + m.Length, cued ? 0.8 : 0.45, Name);
            }
        }

        foreach (Match m in Fifteen().Matches(text))
        {
            if (Context.Before(text, m.Index, 12, Cues))
            {
                yield return new(EntityTypes.ResidentId, m.Index, m.Index + m.Length, 0.75, Name);
            }
        }
    }
}

/// <summary>Mainland mobile numbers 1[3-9]+9 digits, with +86 / 0086, spaces or dashes.</summary>
public sealed partial class MobilePhoneRecognizer : IEntityRecognizer
{
    public string Name => "MobilePhoneRecognizer";

    [GeneratedRegex(@"(?<![0-9])(?:\(?(?:\+|00)\s?86\)?[ -]?)?1[3-9]\d(?:[ -]?\d){8}(?![0-9])", RegexOptions.CultureInvariant)]
    private static partial Regex Mobile();

    // Other countries: a "+" and a country code make any grouping of 8 to 15 digits a phone number.
    [GeneratedRegex(@"(?<![0-9A-Za-z+])\+(?!86)\d{1,3}[ -]?(?:\(\d{1,4}\)[ -]?)?\d{1,4}(?:[ -]?\d{2,4}){1,4}(?![0-9])", RegexOptions.CultureInvariant)]
    private static partial Regex International();

    // North American writing (415) 555-0132 / 415-555-0132, only after a phone word.
    [GeneratedRegex(@"(?<![0-9])(?:\(\d{3}\)\s?|\d{3}[ .-])\d{3}[ .-]\d{4}(?![0-9])", RegexOptions.CultureInvariant)]
    private static partial Regex NorthAmerican();

    private static readonly string[] Cues = ["phone", "call", "tel", "mobile", "cell", "fax", "电话", "手机", "号码"];

    public IEnumerable<EntityCandidate> Recognize(string text)
    {
        foreach (Match m in Mobile().Matches(text))
        {
            yield return new(EntityTypes.Phone, m.Index, m.Index + m.Length, 0.85, Name);
        }

        foreach (Match m in International().Matches(text))
        {
            if (Context.CountDigits(m.ValueSpan) is >= 8 and <= 15)
            {
                yield return new(EntityTypes.Phone, m.Index, m.Index + m.Length, 0.8, Name);
            }
        }

        foreach (Match m in NorthAmerican().Matches(text))
        {
            if (Context.Before(text, m.Index, 16, Cues))
            {
                yield return new(EntityTypes.Phone, m.Index, m.Index + m.Length, 0.75, Name);
            }
        }
    }
}

/// <summary>Fixed lines with an area code (010, 02x, 0xxx), optionally +86; bare local numbers after a phone word.</summary>
public sealed partial class LandlineRecognizer : IEntityRecognizer
{
    private static readonly string[] Cues = ["电话", "座机", "固话", "传真", "tel", "phone", "fax", "landline"];

    public string Name => "LandlineRecognizer";

    [GeneratedRegex(@"(?<![0-9])(?:\(?(?:\+|00)\s?86\)?[ -]?\(?0?|\(?0)(?:10|2\d|[3-9]\d{2})\)?[ -]?[1-9]\d{2,3}[ -]?\d{4}(?:[ -]?(?:转|ext\.?|x)[ -]?\d{1,5})?(?![0-9])", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex WithAreaCode();

    [GeneratedRegex(@"(?<![0-9.,])[2-9]\d{2,3}[ -]?\d{4}(?![0-9%]|[.,]\d)", RegexOptions.CultureInvariant)]
    private static partial Regex Local();

    public IEnumerable<EntityCandidate> Recognize(string text)
    {
        foreach (Match m in WithAreaCode().Matches(text))
        {
            var cued = Context.Before(text, m.Index, 10, Cues);
            yield return new(EntityTypes.Landline, m.Index, m.Index + m.Length, cued ? 0.9 : 0.75, Name);
        }

        foreach (Match m in Local().Matches(text))
        {
            if (Context.Before(text, m.Index, 6, Cues) && !Units.FollowsAsAmount(text, m.Index + m.Length))
            {
                yield return new(EntityTypes.Landline, m.Index, m.Index + m.Length, 0.6, Name);
            }
        }
    }
}

/// <summary>
/// Card numbers: 16–19 digits, plain or grouped. Luhn and UnionPay's 62 prefix raise confidence; a run
/// that passes neither is still taken (recall first), with less weight.
/// </summary>
public sealed partial class BankCardRecognizer : IEntityRecognizer
{
    private static readonly string[] Cues = ["卡号", "银行卡", "信用卡", "借记卡", "储蓄卡", "工资卡", "还款卡", "卡", "card", "visa", "mastercard", "amex", "unionpay", "银联"];

    public string Name => "BankCardRecognizer";

    [GeneratedRegex(@"(?<![0-9A-Za-z])\d{3,8}(?:[ -]\d{2,13}){1,5}(?![0-9A-Za-z]|[ -]\d)|(?<![0-9A-Za-z])\d{16,19}(?![0-9A-Za-z])", RegexOptions.CultureInvariant)]
    private static partial Regex Card();

    public IEnumerable<EntityCandidate> Recognize(string text)
    {
        foreach (Match m in Card().Matches(text))
        {
            var digits = Context.Compact(m.ValueSpan);
            if (digits.Length is < 16 or > 19)
            {
                continue;
            }

            var confidence = IdentifierChecks.IsLuhnValid(digits) ? 0.9
                : digits.StartsWith("62", StringComparison.Ordinal) ? 0.75
                : Context.Before(text, m.Index, 12, Cues) ? 0.7
                : 0.5;
            yield return new(EntityTypes.BankCard, m.Index, m.Index + m.Length, confidence, Name);
        }
    }
}

/// <summary>Unified social credit codes (GB 32100 check character); an invalid one only after a code word.</summary>
public sealed partial class UsccRecognizer : IEntityRecognizer
{
    private static readonly string[] Cues = ["信用代码", "社会信用", "统一代码", "税号", "纳税人识别号", "USCC", "credit code"];

    public string Name => "UsccRecognizer";

    [GeneratedRegex(@"(?<![0-9A-Za-z])[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{2}\d{6}[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{10}(?![0-9A-Za-z])", RegexOptions.CultureInvariant)]
    private static partial Regex Code();

    // A code after its word that is mistyped beyond the alphabet (a Z, an O) is still somebody's code.
    [GeneratedRegex(@"(?:信用代码|社会信用|统一代码|税号|纳税人识别号|credit code|USCC)(?:\s*(?:是|为|is|:|：))?[\s:：]*(?<v>[0-9A-Za-z]{15,20})(?![0-9A-Za-z])", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex Cued();

    public IEnumerable<EntityCandidate> Recognize(string text)
    {
        foreach (Match m in Cued().Matches(text))
        {
            var v = m.Groups["v"];
            if (Context.CountDigits(v.ValueSpan) >= 6)
            {
                yield return new(EntityTypes.Uscc, v.Index, v.Index + v.Length, 0.7, Name);
            }
        }

        foreach (Match m in Code().Matches(text))
        {
            if (IdentifierChecks.IsValidUscc(m.ValueSpan))
            {
                yield return new(EntityTypes.Uscc, m.Index, m.Index + m.Length, 0.95, Name);
            }
            else if (Context.Before(text, m.Index, 16, Cues))
            {
                yield return new(EntityTypes.Uscc, m.Index, m.Index + m.Length, 0.75, Name);
            }
            else if (m.ValueSpan.ContainsAnyInRange('A', 'Z') || m.ValueSpan.ContainsAnyInRange('a', 'z'))
            {
                yield return new(EntityTypes.Uscc, m.Index, m.Index + m.Length, 0.45, Name);
            }
        }
    }
}

/// <summary>
/// Passports: E/G (+ a letter) + 7–8 digits on their own, and after a passport or permit word also other
/// shapes (a 9-digit US passport, H/M permits).
/// </summary>
public sealed partial class PassportRecognizer : IEntityRecognizer
{
    public string Name => "PassportRecognizer";

    [GeneratedRegex(@"(?<![0-9A-Za-z])[EGeg][A-Za-z]?\d{7,8}(?![0-9A-Za-z])", RegexOptions.CultureInvariant)]
    private static partial Regex ChinesePassport();

    [GeneratedRegex(@"(?:护照|通行证|旅行证|passport|travel document|permit)(?:号码|号|编号)?(?:\s*(?:number|no\.?|#))?(?:\s*(?:is|为|是|:|：))?[\s:：#]*(?<v>[A-Za-z]{0,2}\d{6,10})(?![0-9A-Za-z])", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex Cued();

    public IEnumerable<EntityCandidate> Recognize(string text)
    {
        foreach (Match m in ChinesePassport().Matches(text))
        {
            yield return new(EntityTypes.Passport, m.Index, m.Index + m.Length, 0.75, Name);
        }

        foreach (Match m in Cued().Matches(text))
        {
            var v = m.Groups["v"];
            yield return new(EntityTypes.Passport, v.Index, v.Index + v.Length, 0.85, Name);
        }
    }
}

/// <summary>E-mail addresses; the local part never takes a Chinese character, so glued text stays outside.</summary>
public sealed partial class EmailRecognizer : IEntityRecognizer
{
    public string Name => "EmailRecognizer";

    [GeneratedRegex(@"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}(?![A-Za-z0-9-])", RegexOptions.CultureInvariant)]
    private static partial Regex Email();

    public IEnumerable<EntityCandidate> Recognize(string text)
    {
        foreach (Match m in Email().Matches(text))
        {
            yield return new(EntityTypes.Email, m.Index, m.Index + m.Length, 0.95, Name);
        }
    }
}

/// <summary>IPv4 addresses (each octet 0–255); a sentence's full stop after the last octet is not part of it.</summary>
public sealed partial class IpAddressRecognizer : IEntityRecognizer
{
    public string Name => "IpAddressRecognizer";

    [GeneratedRegex(@"(?<![0-9.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![0-9]|\.\d)", RegexOptions.CultureInvariant)]
    private static partial Regex Ipv4();

    public IEnumerable<EntityCandidate> Recognize(string text)
    {
        foreach (Match m in Ipv4().Matches(text))
        {
            yield return new(EntityTypes.Ip, m.Index, m.Index + m.Length, 0.85, Name);
        }
    }
}

/// <summary>Vehicle plates: province character, letter, optional separator, 5–6 letters and digits (at least one digit).</summary>
public sealed partial class LicensePlateRecognizer : IEntityRecognizer
{
    public string Name => "LicensePlateRecognizer";

    [GeneratedRegex(@"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Za-hj-np-z][·. -]?[A-HJ-NP-Za-hj-np-z0-9]{5,6}(?![0-9A-Za-z])", RegexOptions.CultureInvariant)]
    private static partial Regex Plate();

    public IEnumerable<EntityCandidate> Recognize(string text)
    {
        foreach (Match m in Plate().Matches(text))
        {
            if (Context.CountDigits(m.ValueSpan) > 0)
            {
                yield return new(EntityTypes.LicensePlate, m.Index, m.Index + m.Length, 0.8, Name);
            }
        }
    }
}

/// <summary>Whether a number is an amount, a count or a percentage: what follows it is a unit.</summary>
internal static partial class Units
{
    // Only units that make a number an amount, a count of shares or a rate; words like 手机 must not count.
    [GeneratedRegex(@"^(?:[.,]\d+)*\s?(?:元|万|亿|千元|百元|块|美元|欧元|英镑|日元|港币|港元|股|份|%|‰|倍|bp|bps|basis|USD|RMB|CNY|HKD|EUR|dollars|yuan|shares|percent|million|billion|thousand)", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex UnitAhead();

    [GeneratedRegex(@"(?:[$¥￥€£]|RMB|CNY|USD|HKD|EUR)\s?$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex CurrencyBehind();

    public static bool FollowsAsAmount(string text, int end) =>
        end < text.Length && UnitAhead().IsMatch(text.AsSpan(end, Math.Min(16, text.Length - end)).ToString());

    public static bool PrecededByCurrency(string text, int start) =>
        CurrencyBehind().IsMatch(text.AsSpan(Math.Max(0, start - 4), start - Math.Max(0, start - 4)).ToString());
}
