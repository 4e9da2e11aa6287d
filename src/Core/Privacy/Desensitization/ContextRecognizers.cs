using System.Text.RegularExpressions;

namespace DeepFinance.Core.Privacy.Desensitization;

/// <summary>
/// Account, passbook, securities and fund account numbers, shown by the words before them
/// (账号, 资金账户, 证券账户, 存折, account number …); Alipay / WeChat / QQ IDs after their app's name.
/// </summary>
public sealed partial class AccountNumberRecognizer : IEntityRecognizer
{
    public string Name => "AccountNumberRecognizer";

    [GeneratedRegex(@"(?:账号|帐号|账户|帐户|户号|存折|折号|卡号|股东代码|股东号|客户号|客户编号|合同号|保单号|投保单号|会员号|交易账号|资金账号|公积金账号)(?:号码|号|编号|名称)?(?:\s*(?:为|是|:|：))?[\s:：#]*(?<v>[A-Za-z]{0,3}\d(?:[0-9A-Za-z]|[ -]\d){4,29})(?![0-9A-Za-z])", RegexOptions.CultureInvariant)]
    private static partial Regex ChineseCue();

    [GeneratedRegex(@"(?:account|acct|a/c|passbook|policy|member(?:ship)?|customer|client)(?:\s+(?:number|no\.?|num|#|id))?(?:\s+(?:is|was|of))?[\s:#]*(?<v>[A-Za-z]{0,3}\d(?:[0-9A-Za-z]|[ -]\d){4,29})(?![0-9A-Za-z])", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex EnglishCue();

    [GeneratedRegex(@"(?:支付宝|微信|alipay|wechat|weixin|QQ)(?:号码|号|账号|帐号|账户|ID)?(?:\s*(?:is|为|是|:|：))?[\s:：]*(?<v>[A-Za-z0-9][-_A-Za-z0-9]{4,24})(?![-_A-Za-z0-9])", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex PaymentApp();

    public IEnumerable<EntityCandidate> Recognize(string text)
    {
        foreach (var regex in new[] { ChineseCue(), EnglishCue() })
        {
            foreach (Match m in regex.Matches(text))
            {
                var v = m.Groups["v"];
                if (Context.CountDigits(v.ValueSpan) >= 5 && !Units.FollowsAsAmount(text, v.Index + v.Length))
                {
                    yield return new(EntityTypes.AccountNumber, v.Index, v.Index + v.Length, 0.8, Name);
                }
            }
        }

        foreach (Match m in PaymentApp().Matches(text))
        {
            var v = m.Groups["v"];
            // An app ID has a digit, an underscore or a dash: "Alipay account" or "WeChat Pay" are words, not IDs.
            if (v.ValueSpan.IndexOfAny("0123456789_-") >= 0 && !Units.FollowsAsAmount(text, v.Index + v.Length))
            {
                yield return new(EntityTypes.AccountNumber, v.Index, v.Index + v.Length, 0.75, "PaymentAppIdRecognizer");
            }
        }
    }
}

/// <summary>
/// The safety net for numbers no other recognizer claims: a run of 12 or more digits (grouped or not)
/// that is not an amount. Task values of that length are written with separators or units.
/// </summary>
public sealed partial class LongNumberRecognizer : IEntityRecognizer
{
    public string Name => "LongNumberRecognizer";

    [GeneratedRegex(@"(?<![0-9A-Za-z.,])[A-Za-z]{0,2}\d(?:[ -]?\d){11,39}(?![0-9A-Za-z])", RegexOptions.CultureInvariant)]
    private static partial Regex Run();

    public IEnumerable<EntityCandidate> Recognize(string text)
    {
        foreach (Match m in Run().Matches(text))
        {
            if (!Units.FollowsAsAmount(text, m.Index + m.Length) && !Units.PrecededByCurrency(text, m.Index))
            {
                yield return new(EntityTypes.AccountNumber, m.Index, m.Index + m.Length, 0.5, Name);
            }
        }
    }
}

/// <summary>Credentials (C3): passwords, verification codes, CVV and PINs after their word.</summary>
public sealed partial class CredentialRecognizer : IEntityRecognizer
{
    public string Name => "CredentialRecognizer";

    [GeneratedRegex(@"(?:密码|口令|验证码|校验码|动态码|短信码|安全码|CVV2?|CVN2?|PIN码?|password|passcode|passwd|verification code|OTP)(?:\s*(?:是|为|is|:|：))?[\s:：]*(?<v>[!-~]{4,32})", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex Secret();

    public IEnumerable<EntityCandidate> Recognize(string text)
    {
        foreach (Match m in Secret().Matches(text))
        {
            var v = m.Groups["v"];
            var value = v.Value.TrimEnd('.', ',', ';', ')', '!', '?');
            // A bare word after "password" ("password reset") is not a secret; a secret has a digit or a symbol.
            if (value.Length >= 4 && value.Any(c => !char.IsAsciiLetter(c)))
            {
                yield return new(EntityTypes.Credential, v.Index, v.Index + value.Length, 0.8, Name);
            }
        }
    }
}

/// <summary>Birth dates after their word (出生, 生日, born, date of birth); every other date is a task fact and stays.</summary>
public sealed partial class BirthDateRecognizer : IEntityRecognizer
{
    public string Name => "BirthDateRecognizer";

    [GeneratedRegex(@"(?:出生日期|出生年月日?|出生于|出生在|出生|生日|生于|born on|born|date of birth|birth date|birthday|DOB)(?:\s*(?:是|为|is|:|：|on))?[\s:：]*(?<v>(?:19|20)\d{2}(?:年\s?\d{1,2}月\s?\d{1,2}[日号]?|[-/.]\d{1,2}[-/.]\d{1,2}|\d{4})|\d{1,2}[-/.]\d{1,2}[-/.](?:19|20)\d{2}|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2},?\s+(?:19|20)\d{2}|\d{1,2}\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+(?:19|20)\d{2})", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex Birth();

    public IEnumerable<EntityCandidate> Recognize(string text)
    {
        foreach (Match m in Birth().Matches(text))
        {
            var v = m.Groups["v"];
            yield return new(EntityTypes.BirthDate, v.Index, v.Index + v.Length, 0.8, Name);
        }
    }
}

/// <summary>IBANs (ISO 13616, mod-97 check), written plain or in groups of four.</summary>
public sealed partial class IbanRecognizer : IEntityRecognizer
{
    public string Name => "IbanRecognizer";

    [GeneratedRegex(@"(?<![0-9A-Za-z])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![0-9A-Za-z])", RegexOptions.CultureInvariant)]
    private static partial Regex Iban();

    public IEnumerable<EntityCandidate> Recognize(string text)
    {
        foreach (Match m in Iban().Matches(text))
        {
            var compact = Context.Compact(m.ValueSpan);
            if (compact.Length is >= 15 and <= 34 && Mod97(compact[4..] + compact[..4]) == 1)
            {
                yield return new(EntityTypes.AccountNumber, m.Index, m.Index + m.Length, 0.9, Name);
            }
        }
    }

    private static int Mod97(string rearranged)
    {
        var remainder = 0;
        foreach (var c in rearranged)
        {
            var value = char.IsAsciiDigit(c) ? c - '0' : c - 'A' + 10;
            remainder = value >= 10 ? (remainder * 100 + value) % 97 : (remainder * 10 + value) % 97;
        }

        return remainder;
    }
}
