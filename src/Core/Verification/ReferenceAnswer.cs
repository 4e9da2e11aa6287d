using System.Text.RegularExpressions;

namespace DeepFinance.Core.Verification;

/// <summary>The comparison family of a reference, detected from the reference text alone.</summary>
public enum ReferenceKind
{
    /// <summary>Plain number, ratio, multiple, money amount, value with a magnitude word, accounting negative.</summary>
    Number,

    /// <summary>A percentage such as <c>12.68%</c>.</summary>
    Percent,

    /// <summary>A fraction such as <c>3/8</c>.</summary>
    Fraction,

    /// <summary>One or more option letters.</summary>
    Choice,

    /// <summary>True / false.</summary>
    Boolean,

    /// <summary>A calendar date.</summary>
    Date,

    /// <summary>Anything else: open text that rules cannot decide.</summary>
    Text,
}

/// <summary>A classified reference answer with its parsed value.</summary>
public sealed partial record ReferenceAnswer(
    ReferenceKind Kind,
    string Text,
    string Normalized,
    Quantity? Number = null,
    int ChoiceMask = 0,
    bool? Boolean = null,
    DateOnly? Date = null)
{
    /// <summary>At most this many characters of non-unit text may surround a number for the reference to count as numeric.</summary>
    private const int MaxNumericLabelLength = 6;

    /// <summary>Detects the kind of <paramref name="reference"/> from its text and parses its value.</summary>
    public static ReferenceAnswer Classify(string reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var text = reference.Trim();
        var normalized = AnswerNormalizer.Normalize(text);

        if (BooleanParser.TryParseExact(normalized, out var boolean))
        {
            return new ReferenceAnswer(ReferenceKind.Boolean, text, normalized, Boolean: boolean);
        }

        if (ChoiceParser.TryParseReference(normalized, out var mask))
        {
            return new ReferenceAnswer(ReferenceKind.Choice, text, normalized, ChoiceMask: mask);
        }

        var dates = new List<DateMatch>(1);
        DateParser.FindAll(normalized, dates);
        if (dates.Count == 1 && IsOnlyNoise(normalized, dates[0].Start, dates[0].End))
        {
            return new ReferenceAnswer(ReferenceKind.Date, text, normalized, Date: dates[0].Date);
        }

        var quantities = new List<Quantity>(2);
        NumberParser.FindAll(normalized, quantities);
        if (quantities.Count > 0 && AllSameValue(quantities) && IsNumericReference(normalized, quantities))
        {
            var q = quantities[0];
            var kind = q.IsFraction ? ReferenceKind.Fraction : q.IsPercent ? ReferenceKind.Percent : ReferenceKind.Number;
            return new ReferenceAnswer(kind, text, normalized, Number: q);
        }

        return new ReferenceAnswer(ReferenceKind.Text, text, normalized);
    }

    /// <summary>The rule name used in results for this kind.</summary>
    public string RuleName => Kind switch
    {
        ReferenceKind.Number => "number",
        ReferenceKind.Percent => "percent",
        ReferenceKind.Fraction => "fraction",
        ReferenceKind.Choice => "choice",
        ReferenceKind.Boolean => "boolean",
        ReferenceKind.Date => "date",
        _ => "none",
    };

    private static bool AllSameValue(List<Quantity> quantities)
    {
        for (var i = 1; i < quantities.Count; i++)
        {
            if (quantities[i].Value != quantities[0].Value)
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsNumericReference(string normalized, List<Quantity> quantities)
    {
        var sb = new System.Text.StringBuilder(normalized.Length);
        for (var i = 0; i < normalized.Length; i++)
        {
            var inside = false;
            foreach (var q in quantities)
            {
                if (i >= q.Start && i < q.End)
                {
                    inside = true;
                    break;
                }
            }

            if (!inside)
            {
                sb.Append(normalized[i]);
            }
        }

        return CountMeaningful(UnitWordRegex().Replace(sb.ToString(), string.Empty)) <= MaxNumericLabelLength;
    }

    private static bool IsOnlyNoise(string text, int start, int end)
    {
        var outside = string.Concat(text.AsSpan(0, start), text.AsSpan(end));
        return CountMeaningful(WeekdayRegex().Replace(outside, string.Empty)) <= MaxNumericLabelLength;
    }

    private static int CountMeaningful(string s)
    {
        var n = 0;
        foreach (var c in s)
        {
            if (char.IsLetterOrDigit(c))
            {
                n++;
            }
        }

        return n;
    }

    [GeneratedRegex(
        @"人民币|美元|港元|港币|欧元|元|万|亿|千|百|次|倍|年|天|日|股|件|手|份|个月|月|约|每股|USD|RMB|CNY|HKD|US|HK|shares?|years?|days?|times|dollars?|yuan|per\s+share|approximately|about|x",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UnitWordRegex();

    [GeneratedRegex(@"monday|tuesday|wednesday|thursday|friday|saturday|sunday|星期[一二三四五六日天]|周[一二三四五六日]", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex WeekdayRegex();
}
