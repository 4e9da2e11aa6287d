using System.Globalization;

namespace DeepFinance.Core.Verification;

/// <summary>
/// Decides by rule whether a response's final answer matches the reference (see eval/README.md §1).
/// The reference kind is detected from the reference text; answer-key fields are never needed.
/// Open-text references no rule can decide yield <see cref="Verdict.Unverifiable"/> with rule "none".
/// Stateless and thread-safe.
/// </summary>
public sealed class RuleVerifier
{
    /// <summary>A shared instance; the verifier holds no state.</summary>
    public static RuleVerifier Instance { get; } = new();

    /// <summary>Verifies one response against its reference.</summary>
    public VerificationResult Verify(VerificationInput input, VerificationTolerances? tolerances = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        tolerances ??= VerificationTolerances.Default;

        var reference = ReferenceAnswer.Classify(input.Reference ?? string.Empty);
        var extracted = FinalAnswerExtractor.Extract(input.Response ?? string.Empty);
        if (extracted is null)
        {
            return new VerificationResult(Verdict.Incorrect, null, "extraction", "the response contains no final answer");
        }

        var answer = AnswerNormalizer.Normalize(extracted);
        return reference.Kind switch
        {
            ReferenceKind.Number or ReferenceKind.Percent or ReferenceKind.Fraction => VerifyNumber(reference, extracted, answer, input, tolerances),
            ReferenceKind.Choice => VerifyChoice(reference, extracted, answer, input),
            ReferenceKind.Boolean => VerifyBoolean(reference, extracted, answer),
            ReferenceKind.Date => VerifyDate(reference, extracted, answer),
            _ => VerifyText(reference, extracted, answer),
        };
    }

    private static VerificationResult VerifyNumber(ReferenceAnswer reference, string extracted, string answer, VerificationInput input, VerificationTolerances tolerances)
    {
        var rule = reference.RuleName;
        var refQ = reference.Number!.Value;
        var candidate = PickQuantity(answer, refQ);
        var answerText = answer;
        if (candidate is null)
        {
            // A letter answer to a question whose options are amounts: read the chosen option's value.
            var options = ChoiceParser.ReadOptions(input.Question, input.Options);
            var letters = options.Count > 0 ? ChoiceParser.FindLetters(answer) : 0;
            var chosen = SingleOption(options, letters);
            if (chosen is not null)
            {
                answerText = AnswerNormalizer.Normalize(chosen.Text);
                candidate = PickQuantity(answerText, refQ);
            }
        }

        if (candidate is not { } a)
        {
            return new VerificationResult(Verdict.Incorrect, extracted, rule, $"no number in the final answer \"{Shorten(extracted)}\"");
        }

        var shown = answerText.Substring(a.Start, a.Length).Trim();
        if (Compare(a, refQ, tolerances, out var why))
        {
            return new VerificationResult(Verdict.Correct, extracted, rule, $"{shown} vs reference {reference.Text}: {why}");
        }

        // The ambiguous case: a bare number against a percent reference may be the percent's number.
        if (refQ.IsPercent && !a.IsPercent)
        {
            var asPoints = a with { Value = a.Value / 100m, Scale = a.Scale / 100m, IsPercent = true };
            if (Compare(asPoints, refQ, tolerances, out var whyPoints))
            {
                return new VerificationResult(Verdict.Correct, extracted, rule, $"{shown} read as percent points vs reference {reference.Text}: {whyPoints}");
            }
        }

        return new VerificationResult(Verdict.Incorrect, extracted, rule, $"{shown} vs reference {reference.Text}: {why}");
    }

    /// <summary>Applies both numeric rules: relative tolerance, then rounding to the reference's written unit and decimals.</summary>
    public static bool Compare(Quantity answer, Quantity reference, VerificationTolerances tolerances, out string explanation)
    {
        ArgumentNullException.ThrowIfNull(tolerances);
        var b = reference.Value;
        var diff = Math.Abs(answer.Value - b);
        var tolerance = (decimal)tolerances.RelativeTolerance;
        var tolText = FormatPercent(tolerance);
        if (diff <= tolerance * Math.Abs(b))
        {
            explanation = diff == 0 ? "equal" : $"off by {FormatRelative(diff, b)}, within {tolText}";
            return true;
        }

        var applyRounding = tolerances.RoundToReferencePrecision && !reference.IsFraction && reference.Scale != 0m;
        if (applyRounding)
        {
            var inUnit = answer.Value / reference.Scale;
            var rounded = Math.Round(inUnit, reference.Decimals, MidpointRounding.AwayFromZero);
            if (rounded == reference.Written)
            {
                explanation = $"off by {FormatRelative(diff, b)} but equal when rounded to {reference.Decimals} decimal{(reference.Decimals == 1 ? string.Empty : "s")}{UnitSuffix(reference)}";
                return true;
            }
        }

        explanation = applyRounding
            ? $"off by {FormatRelative(diff, b)}, beyond {tolText} and not equal when rounded to {reference.Decimals} decimal{(reference.Decimals == 1 ? string.Empty : "s")}{UnitSuffix(reference)}"
            : $"off by {FormatRelative(diff, b)}, beyond {tolText}";
        return false;
    }

    private static string UnitSuffix(Quantity reference) =>
        reference.IsPercent ? " in percent" : reference.MagnitudeWord is { } word ? $" in {word}" : string.Empty;

    private static string FormatRelative(decimal diff, decimal b) =>
        b == 0m ? diff.ToString("0.####", CultureInfo.InvariantCulture) : FormatPercent(diff / Math.Abs(b));

    private static string FormatPercent(decimal fraction)
    {
        var points = fraction * 100m;
        return points switch
        {
            > 0m and < 0.01m => "<0.01%",
            >= 10m => points.ToString("0.#", CultureInfo.InvariantCulture) + "%",
            _ => points.ToString("0.##", CultureInfo.InvariantCulture) + "%",
        };
    }

    /// <summary>
    /// The response value to compare: dates and year labels are set aside when other numbers exist,
    /// numbers of the reference's form (percent or not) are preferred, and of those the last one counts.
    /// </summary>
    private static Quantity? PickQuantity(string answer, Quantity reference)
    {
        var all = new List<Quantity>(4);
        NumberParser.FindAll(answer, all);
        if (all.Count <= 1)
        {
            return all.Count == 1 ? all[0] : null;
        }

        var dates = new List<DateMatch>(1);
        DateParser.FindAll(answer, dates);
        var kept = all.FindAll(q => !InDate(q, dates) && !IsYearLabel(answer, q));
        if (kept.Count == 0)
        {
            kept = all;
        }

        // Numbers inside a parenthetical aside ("15倍（动态市盈率为12倍）") are remarks when others exist.
        var main = kept.FindAll(q => !InParentheses(answer, q.Start));
        if (main.Count > 0)
        {
            kept = main;
        }

        var sameForm = kept.FindAll(q => q.IsPercent == reference.IsPercent);
        if (sameForm.Count > 0)
        {
            kept = sameForm;
        }

        return kept[^1];
    }

    private static bool InParentheses(string text, int position)
    {
        var depth = 0;
        for (var i = 0; i < position; i++)
        {
            switch (text[i])
            {
                case '(' or '[' or '【':
                    depth++;
                    break;
                case ')' or ']' or '】' when depth > 0:
                    depth--;
                    break;
            }
        }

        return depth > 0;
    }

    private static bool InDate(Quantity q, List<DateMatch> dates)
    {
        foreach (var d in dates)
        {
            if (q.Start < d.Start + d.Length && d.Start < q.End)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsYearLabel(string text, Quantity q) =>
        q is { Decimals: 0, IsPercent: false, IsFraction: false, MagnitudeWord: null, Written: >= 1900m and <= 2100m }
        && FollowedBy(text, q.Start, '年');

    private static bool FollowedBy(string text, int start, char c)
    {
        var i = start;
        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
        }

        return i < text.Length && text[i] == c;
    }

    private static ChoiceOption? SingleOption(IReadOnlyList<ChoiceOption> options, int letters)
    {
        if (letters == 0 || (letters & (letters - 1)) != 0)
        {
            return null;
        }

        foreach (var option in options)
        {
            if (letters == 1 << (option.Letter - 'A'))
            {
                return option;
            }
        }

        return null;
    }

    private static VerificationResult VerifyChoice(ReferenceAnswer reference, string extracted, string answer, VerificationInput input)
    {
        var letters = ChoiceParser.FindLetters(answer);
        var via = string.Empty;
        if (letters == 0)
        {
            var options = ChoiceParser.ReadOptions(input.Question, input.Options);
            letters = options.Count > 0 ? ChoiceParser.MatchOptionTexts(answer, options) : 0;
            via = " (matched by option text)";
        }

        if (letters == 0)
        {
            return new VerificationResult(Verdict.Incorrect, extracted, "choice", $"no option letter in the final answer \"{Shorten(extracted)}\"");
        }

        var got = ChoiceParser.ToLetters(letters);
        var want = ChoiceParser.ToLetters(reference.ChoiceMask);
        if (letters == reference.ChoiceMask)
        {
            return new VerificationResult(Verdict.Correct, extracted, "choice", $"{got} matches reference {want}{via}");
        }

        var missing = ChoiceParser.ToLetters(reference.ChoiceMask & ~letters);
        var extra = ChoiceParser.ToLetters(letters & ~reference.ChoiceMask);
        var detail = (missing.Length > 0, extra.Length > 0) switch
        {
            (true, true) => $"missing {missing}, extra {extra}",
            (true, false) => $"missing {missing}",
            _ => $"extra {extra}",
        };
        return new VerificationResult(Verdict.Incorrect, extracted, "choice", $"{got} vs reference {want}{via}: {detail}");
    }

    private static VerificationResult VerifyBoolean(ReferenceAnswer reference, string extracted, string answer)
    {
        if (!BooleanParser.TryFind(answer, out var value))
        {
            return new VerificationResult(Verdict.Incorrect, extracted, "boolean", $"no true/false judgement in the final answer \"{Shorten(extracted)}\"");
        }

        var expected = reference.Boolean!.Value;
        return value == expected
            ? new VerificationResult(Verdict.Correct, extracted, "boolean", $"{Word(value)} matches reference {reference.Text}")
            : new VerificationResult(Verdict.Incorrect, extracted, "boolean", $"{Word(value)} vs reference {reference.Text}");

        static string Word(bool v) => v ? "true" : "false";
    }

    private static VerificationResult VerifyDate(ReferenceAnswer reference, string extracted, string answer)
    {
        var dates = new List<DateMatch>(2);
        DateParser.FindAll(answer, dates);
        if (dates.Count == 0)
        {
            return new VerificationResult(Verdict.Incorrect, extracted, "date", $"no date in the final answer \"{Shorten(extracted)}\"");
        }

        var got = dates[^1].Date;
        var want = reference.Date!.Value;
        var gotText = got.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var wantText = want.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        if (got == want)
        {
            return new VerificationResult(Verdict.Correct, extracted, "date", $"{gotText} matches reference {wantText}");
        }

        var days = got.DayNumber - want.DayNumber;
        var direction = days > 0 ? "late" : "early";
        var count = Math.Abs(days);
        return new VerificationResult(Verdict.Incorrect, extracted, "date", $"{gotText} vs reference {wantText}: {count} day{(count == 1 ? string.Empty : "s")} {direction}");
    }

    private static VerificationResult VerifyText(ReferenceAnswer reference, string extracted, string answer)
    {
        if (TextKey(answer) is { Length: > 0 } key && key == TextKey(reference.Normalized))
        {
            return new VerificationResult(Verdict.Correct, extracted, "text-exact", "final answer equals the reference text after normalization");
        }

        return new VerificationResult(Verdict.Unverifiable, extracted, "none", "open-text reference: no rule applies; needs a judge");
    }

    /// <summary>Lower-cased letters and digits only, for exact comparison of short open answers.</summary>
    private static string TextKey(string s)
    {
        return string.Create(Count(s), s, static (span, source) =>
        {
            var n = 0;
            foreach (var c in source)
            {
                if (char.IsLetterOrDigit(c))
                {
                    span[n++] = char.ToLowerInvariant(c);
                }
            }
        });

        static int Count(string s)
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
    }

    private static string Shorten(string s) => s.Length <= 60 ? s : string.Concat(s.AsSpan(0, 57), "...");
}
