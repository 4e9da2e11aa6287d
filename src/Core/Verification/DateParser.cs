using System.Globalization;
using System.Text.RegularExpressions;

namespace DeepFinance.Core.Verification;

/// <summary>A calendar date found in text and where it was written.</summary>
public readonly record struct DateMatch(DateOnly Date, int Start, int Length)
{
    /// <summary>End offset (exclusive) in the text it was found in.</summary>
    public int End => Start + Length;
}

/// <summary>
/// Finds calendar dates written as <c>2023年3月1日</c>, <c>2023-03-01</c>, <c>2023/03/01</c>,
/// <c>March 1, 2023</c>, <c>Mar 1, 2023</c> or <c>1 March 2023</c> in normalized text.
/// </summary>
public static partial class DateParser
{
    /// <summary>Appends every valid date in <paramref name="text"/> to <paramref name="results"/>.</summary>
    public static void FindAll(string text, List<DateMatch> results)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(results);
        if (!HasDigit(text))
        {
            return;
        }

        for (var match = DateRegex().Match(text); match.Success; match = match.NextMatch())
        {
            if (TryRead(match, out var date))
            {
                results.Add(new DateMatch(date, match.Index, match.Length));
            }
        }
    }

    /// <summary>The last date in <paramref name="text"/> (normalized or not), if any.</summary>
    public static DateOnly? FindLast(string text)
    {
        var list = new List<DateMatch>(2);
        FindAll(AnswerNormalizer.Normalize(text), list);
        return list.Count == 0 ? null : list[^1].Date;
    }

    private static bool HasDigit(string text) => text.AsSpan().IndexOfAnyInRange('0', '9') >= 0;

    private static bool TryRead(Match m, out DateOnly date)
    {
        date = default;
        var year = int.Parse(m.Groups["y"].ValueSpan, CultureInfo.InvariantCulture);
        var day = int.Parse(m.Groups["d"].ValueSpan, CultureInfo.InvariantCulture);
        int month;
        if (m.Groups["m"].Success)
        {
            month = int.Parse(m.Groups["m"].ValueSpan, CultureInfo.InvariantCulture);
        }
        else
        {
            month = MonthFromName(m.Groups["mon"].ValueSpan);
        }

        if (month is < 1 or > 12 || day < 1 || year is < 1 or > 9999 || day > DateTime.DaysInMonth(year, month))
        {
            return false;
        }

        date = new DateOnly(year, month, day);
        return true;
    }

    private static int MonthFromName(ReadOnlySpan<char> name)
    {
        if (name.Length < 3)
        {
            return 0;
        }

        Span<char> key = stackalloc char[3];
        name[..3].ToLowerInvariant(key);
        return key switch
        {
            "jan" => 1,
            "feb" => 2,
            "mar" => 3,
            "apr" => 4,
            "may" => 5,
            "jun" => 6,
            "jul" => 7,
            "aug" => 8,
            "sep" => 9,
            "oct" => 10,
            "nov" => 11,
            "dec" => 12,
            _ => 0,
        };
    }

    private const string MonthNames =
        "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?";

    [GeneratedRegex(
        @"(?<y>\d{4})\s*年\s*(?<m>\d{1,2})\s*月\s*(?<d>\d{1,2})\s*[日号]?"
        + @"|(?<!\d)(?<y>\d{4})\s*[-/.]\s*(?<m>\d{1,2})\s*[-/.]\s*(?<d>\d{1,2})(?!\d)"
        + @"|\b(?<mon>" + MonthNames + @")\.?\s+(?<d>\d{1,2})(?:st|nd|rd|th)?\s*,?\s*(?<y>\d{4})(?!\d)"
        + @"|(?<!\d)(?<d>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(?<mon>" + MonthNames + @")\.?\s*,?\s*(?<y>\d{4})(?!\d)",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex DateRegex();
}
