using System.Globalization;
using System.Text.RegularExpressions;

namespace DeepFinance.LlmSim;

/// <summary>A wrong answer close to the right one, and the step where the reasoning slipped.</summary>
public sealed record NearMissAnswer(string Answer, string SlipEnglish, string SlipChinese);

/// <summary>
/// Turns a reference answer into a plausible wrong one: a number off in magnitude, sign, rounding
/// or percent form; a neighbouring option letter; a flipped true/false; another sentence.
/// </summary>
public static partial class NearMiss
{
    private static readonly (string A, string B)[] Booleans =
    [
        ("正确", "错误"), ("对", "错"), ("是", "否"), ("√", "×"),
        ("true", "false"), ("yes", "no"), ("correct", "incorrect"),
    ];

    private static readonly string[] EnglishSentences =
    [
        "The main driver is a change in market interest rates rather than the factors described.",
        "It has no material effect on the company's reported profit for the period.",
        "The amount should be recognised as an expense in the current period.",
        "The practice is acceptable as long as it is disclosed in the annual report.",
    ];

    private static readonly string[] ChineseSentences =
    [
        "主要原因在于市场利率的变化，而不是题目中提到的因素。",
        "该事项对公司当期利润没有实质性影响。",
        "该金额应在当期一次性确认为费用。",
        "只要在年报中充分披露，这种做法就是合规的。",
    ];

    /// <summary>A wrong answer that differs from <paramref name="reference"/>; <paramref name="pick"/> chooses among variants.</summary>
    public static NearMissAnswer Make(string reference, IReadOnlyList<string>? options, ulong pick)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var answer = reference.Trim();
        return TryBoolean(answer)
            ?? TryLetters(answer, options, pick)
            ?? TryNumber(answer, pick)
            ?? OtherSentence(answer, pick);
    }

    private static NearMissAnswer? TryBoolean(string answer)
    {
        var core = answer.TrimEnd('.', '。', '!', '！');
        foreach (var (a, b) in Booleans)
        {
            string? flipped = null;
            if (string.Equals(core, a, StringComparison.OrdinalIgnoreCase))
            {
                flipped = MatchCase(core, b);
            }
            else if (string.Equals(core, b, StringComparison.OrdinalIgnoreCase))
            {
                flipped = MatchCase(core, a);
            }

            if (flipped is not null)
            {
                return new NearMissAnswer(
                    flipped,
                    "A qualifying condition in the statement was overlooked, so the judgement came out reversed",
                    "忽略了题干中的限定条件，判断因此反了过来");
            }
        }

        return null;
    }

    private static string MatchCase(string model, string word)
    {
        if (model.Length > 0 && char.IsUpper(model[0]))
        {
            return model.All(c => !char.IsLetter(c) || char.IsUpper(c)) && model.Length > 1
                ? word.ToUpperInvariant()
                : char.ToUpperInvariant(word[0]) + word[1..];
        }

        return word;
    }

    private static NearMissAnswer? TryLetters(string answer, IReadOnlyList<string>? options, ulong pick)
    {
        var match = LettersPattern().Match(answer);
        if (!match.Success)
        {
            return null;
        }

        var letters = answer.Where(char.IsAsciiLetter).Select(char.ToUpperInvariant).Distinct().Order().ToList();
        var separator = SeparatorPattern().Match(answer) is { Success: true } s ? s.Value : string.Empty;
        var highest = letters.Max() - 'A';
        var count = Math.Clamp(options is { Count: > 1 } ? options.Count : 4, highest + 1, 6);
        count = Math.Max(count, 2);

        if (letters.Count == 1)
        {
            var index = letters[0] - 'A';
            int other;
            if (index == 0)
            {
                other = 1;
            }
            else if (index >= count - 1)
            {
                other = index - 1;
            }
            else
            {
                other = (pick & 1) == 0 ? index + 1 : index - 1;
            }

            var a = letters[0];
            var b = (char)('A' + other);
            return new NearMissAnswer(
                b.ToString(),
                $"The conditions of options {a} and {b} were confused",
                $"把选项{a}和选项{b}的条件看混了");
        }

        var absent = Enumerable.Range(0, count).Select(i => (char)('A' + i)).Where(c => !letters.Contains(c)).ToList();
        var drop = absent.Count == 0 || (pick & 1) == 0;
        string slipEn;
        string slipZh;
        if (drop)
        {
            var removed = letters[(int)((pick >> 1) % (ulong)letters.Count)];
            letters.Remove(removed);
            slipEn = $"Option {removed} was overlooked although it also applies";
            slipZh = $"遗漏了同样符合题意的选项{removed}";
        }
        else
        {
            var added = absent[(int)((pick >> 1) % (ulong)absent.Count)];
            letters.Add(added);
            letters.Sort();
            slipEn = $"Option {added} was wrongly taken to apply as well";
            slipZh = $"误以为选项{added}也符合题意";
        }

        return new NearMissAnswer(string.Join(separator, letters), slipEn, slipZh);
    }

    private static NearMissAnswer? TryNumber(string answer, ulong pick)
    {
        var match = NumberPattern().Match(answer);
        if (!match.Success)
        {
            return null;
        }

        var prefix = answer[..match.Index];
        var suffix = answer[(match.Index + match.Length)..];
        var negative = match.Groups["sign"].Length > 0;
        var currency = match.Groups["cur"].Value;
        var digits = match.Groups["num"].Value;
        var grouped = digits.Contains(',', StringComparison.Ordinal);
        var decimals = digits.Contains('.', StringComparison.Ordinal) ? digits.Length - digits.IndexOf('.', StringComparison.Ordinal) - 1 : 0;
        var value = double.Parse(digits.Replace(",", string.Empty, StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture);
        var trimmedSuffix = suffix.TrimStart();
        var percent = trimmedSuffix.StartsWith('%') || trimmedSuffix.StartsWith('％');
        var chineseUnit = trimmedSuffix.StartsWith('万') || trimmedSuffix.StartsWith('亿');

        var kinds = new List<int> { 0, 2, 3 };
        if (value != 0)
        {
            kinds.Add(1);
        }

        var kind = kinds[(int)(pick % (ulong)kinds.Count)];
        var up = ((pick >> 8) & 1) == 0;
        string slipEn;
        string slipZh;
        var newNegative = negative;
        var newValue = value;
        var newSuffix = suffix;
        var newDecimals = decimals;
        switch (kind)
        {
            case 0 when chineseUnit:
                var at = suffix.IndexOfAny(['万', '亿']);
                var swapped = suffix[at] == '万' ? '亿' : '万';
                newSuffix = string.Concat(suffix.AsSpan(0, at), swapped.ToString(), suffix.AsSpan(at + 1));
                slipEn = "The units 万 (ten thousand) and 亿 (hundred million) were mixed up";
                slipZh = "把“万”和“亿”两个单位弄混了";
                break;
            case 0:
                newValue = up || value == 0 ? value * 10 : value / 10;
                if (value == 0)
                {
                    newValue = 10;
                }

                slipEn = "While converting units the decimal point slipped by one place";
                slipZh = "换算单位时小数点错移了一位";
                break;
            case 1:
                newNegative = !negative;
                slipEn = "The direction of the cash flow was reversed, which flipped the sign";
                slipZh = "把资金流入与流出的方向弄反了，结果的符号随之颠倒";
                break;
            case 2:
                newValue = value == 0 ? 1 : value * (up ? 1.03 : 0.97);
                slipEn = "An intermediate result was rounded too early and the error carried through";
                slipZh = "中间结果过早四舍五入，误差被一路带到最后";
                break;
            default:
                newValue = percent ? value / 100 : value * 100;
                if (value == 0)
                {
                    newValue = 1;
                }

                slipEn = "The percentage was confused with its decimal form";
                slipZh = "百分数和小数之间的换算搞错了";
                break;
        }

        if (newValue != value)
        {
            newDecimals = DecimalsFor(newValue, decimals);
        }

        var text = Format(newValue, newDecimals, grouped);
        var result = string.Concat(prefix, newNegative ? "-" : string.Empty, currency, text, newSuffix);
        if (string.Equals(result, answer, StringComparison.Ordinal))
        {
            // Formatting swallowed the change; a factor of ten always shows.
            result = string.Concat(prefix, negative ? "-" : string.Empty, currency, Format(value * 10 + (value == 0 ? 10 : 0), decimals, grouped), suffix);
            slipEn = "While converting units the decimal point slipped by one place";
            slipZh = "换算单位时小数点错移了一位";
        }

        return new NearMissAnswer(result, slipEn, slipZh);
    }

    /// <summary>Keeps the reference's decimals unless they would hide more than 0.1% of the value.</summary>
    private static int DecimalsFor(double value, int decimals)
    {
        var d = decimals;
        while (d < 6 && value != 0 && Math.Abs(Math.Round(value, d) - value) > Math.Abs(value) * 0.001)
        {
            d++;
        }

        return d;
    }

    private static string Format(double value, int decimals, bool grouped) =>
        value.ToString((grouped ? "N" : "F") + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static NearMissAnswer OtherSentence(string answer, ulong pick)
    {
        var pool = TokenCounter.ContainsCjk(answer) ? ChineseSentences : EnglishSentences;
        var start = (int)(pick % (ulong)pool.Length);
        for (var i = 0; i < pool.Length; i++)
        {
            var candidate = pool[(start + i) % pool.Length];
            if (!string.Equals(TextKey.Of(candidate), TextKey.Of(answer), StringComparison.Ordinal))
            {
                return new NearMissAnswer(candidate, "A key concept in the question was misread", "对题目中的关键概念理解有偏差");
            }
        }

        return new NearMissAnswer(answer + " (uncertain)", "A key concept in the question was misread", "对题目中的关键概念理解有偏差");
    }

    [GeneratedRegex(@"^\s*[A-F](?:\s*[,，、/;；]?\s*[A-F])*\s*[.。]?\s*$")]
    private static partial Regex LettersPattern();

    [GeneratedRegex(@"(?<=[A-F])\s*[,，、/;；]?\s*(?=[A-F])")]
    private static partial Regex SeparatorPattern();

    [GeneratedRegex(@"(?<sign>[-−]?)(?<cur>[$¥￥€£]?)(?<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)")]
    private static partial Regex NumberPattern();
}
