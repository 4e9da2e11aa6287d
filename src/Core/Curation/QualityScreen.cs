using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using DeepFinance.Core.Data;
using Microsoft.Extensions.Options;

namespace DeepFinance.Core.Curation;

/// <summary>Settings under <c>DeepFinance:Quality</c>: the bounds of the quality screen. Lengths count units: one CJK character, one word or one number.</summary>
public sealed class QualityOptions
{
    public const string SectionName = "DeepFinance:Quality";

    /// <summary>Reasoning shorter than this is not reasoning.</summary>
    [Range(0, 100_000)]
    public int MinReasoningUnits { get; set; } = 20;

    /// <summary>Reasoning longer than this is rambling (or a loop the loop rule missed).</summary>
    [Range(1, 10_000_000)]
    public int MaxReasoningUnits { get; set; } = 30_000;

    /// <summary>A final answer longer than this is a second reasoning, not an answer.</summary>
    [Range(1, 1_000_000)]
    public int MaxAnswerUnits { get; set; } = 2_000;

    /// <summary>The same sentence this many times is a loop.</summary>
    [Range(2, 1000)]
    public int MaxSentenceRepeats { get; set; } = 4;

    /// <summary>A tail that repeats one stretch over at least this many characters is a loop.</summary>
    [Range(10, 100_000)]
    public int LoopTailChars { get; set; } = 60;

    /// <summary>Letters a reasoning or answer needs before its language is judged (a "B" or "$3.00" has none).</summary>
    [Range(1, 1000)]
    public int MinLanguageLetters { get; set; } = 6;
}

/// <summary>Fails start-up when the bounds contradict each other.</summary>
internal sealed class QualityOptionsValidator : IValidateOptions<QualityOptions>
{
    public ValidateOptionsResult Validate(string? name, QualityOptions options) =>
        options.MinReasoningUnits < options.MaxReasoningUnits
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{QualityOptions.SectionName}:MinReasoningUnits ({options.MinReasoningUnits}) must be below "
                + $"{QualityOptions.SectionName}:MaxReasoningUnits ({options.MaxReasoningUnits}).");
}

/// <summary>The reason codes of the quality screen (stored as a release exclusion's reason code).</summary>
public static class QualityCodes
{
    public const string Truncated = "truncated";
    public const string EmptyReasoning = "empty-reasoning";
    public const string ReasoningTooShort = "reasoning-too-short";
    public const string ReasoningTooLong = "reasoning-too-long";
    public const string AnswerMissing = "answer-missing";
    public const string AnswerTooLong = "answer-too-long";
    public const string LanguageMismatch = "language-mismatch";
    public const string RepetitionLoop = "repetition-loop";
    public const string ThinkTag = "think-tag";
    public const string Placeholder = "placeholder";

    public static IReadOnlyList<string> All { get; } =
        [Truncated, EmptyReasoning, ReasoningTooShort, ReasoningTooLong, AnswerMissing, AnswerTooLong, LanguageMismatch, RepetitionLoop, ThinkTag, Placeholder];
}

/// <summary>What the screen reads of one trace.</summary>
/// <param name="QuestionLanguage">The question's stored language ("zh", "en"); detected from the text when null.</param>
/// <param name="FinishReason">The endpoint's finish reason; "length" means the output was cut off.</param>
public sealed record QualityInput(string Question, string? Reasoning, string? Answer, string? FinishReason = null, TaskType? TaskType = null,
    string? QuestionLanguage = null);

/// <summary>One rule that failed, with what it saw.</summary>
public sealed record QualityFlag(string Code, string Detail);

/// <summary>
/// The rules a trace passes before it enters a dataset, each with a reason code (<see cref="QualityCodes"/>): not cut off,
/// reasoning present and within bounds, a final answer (with a number for a calculation), answer and reasoning in the
/// question's language, no repetition loop, no leftover <c>&lt;think&gt;</c> tag, no template placeholder. Pure: the
/// release builder calls it per trace and counts the codes.
/// </summary>
public sealed partial class QualityScreen(IOptions<QualityOptions> options)
{
    private readonly QualityOptions _options = options.Value;

    /// <summary>A screen with the given settings, for code without a container.</summary>
    public static QualityScreen Create(QualityOptions? options = null) => new(Options.Create(options ?? new QualityOptions()));

    /// <summary>Every rule the trace fails, in rule order; empty when it passes.</summary>
    public IReadOnlyList<QualityFlag> Check(QualityInput trace)
    {
        ArgumentNullException.ThrowIfNull(trace);
        var flags = new List<QualityFlag>();
        var reasoning = trace.Reasoning ?? "";
        var answer = trace.Answer ?? "";

        if (string.Equals(trace.FinishReason, "length", StringComparison.OrdinalIgnoreCase))
        {
            flags.Add(new(QualityCodes.Truncated, "the output was cut off at the token limit (finish reason \"length\")"));
        }
        var units = Units(reasoning);
        if (string.IsNullOrWhiteSpace(reasoning))
        {
            flags.Add(new(QualityCodes.EmptyReasoning, "no reasoning"));
        }
        else if (units < _options.MinReasoningUnits)
        {
            flags.Add(new(QualityCodes.ReasoningTooShort, $"reasoning of {units} units, under {_options.MinReasoningUnits}"));
        }
        else if (units > _options.MaxReasoningUnits)
        {
            flags.Add(new(QualityCodes.ReasoningTooLong, $"reasoning of {units} units, over {_options.MaxReasoningUnits}"));
        }

        var answerText = ThinkTagPattern().Replace(answer, "").Trim();
        if (answerText.Length == 0)
        {
            flags.Add(new(QualityCodes.AnswerMissing, "no final answer"));
        }
        else if (trace.TaskType == TaskType.Math && !HasNumber(answerText))
        {
            flags.Add(new(QualityCodes.AnswerMissing, $"a calculation's final answer holds no number: \"{Excerpt(answerText)}\""));
        }
        else if (Units(answerText) > _options.MaxAnswerUnits)
        {
            flags.Add(new(QualityCodes.AnswerTooLong, $"final answer of {Units(answerText)} units, over {_options.MaxAnswerUnits}"));
        }

        var questionLanguage = trace.QuestionLanguage is { Length: > 0 } stored ? stored : DetectLanguage(trace.Question, 1);
        if (questionLanguage is "zh" or "en")
        {
            foreach (var (part, text) in new[] { ("answer", answerText), ("reasoning", reasoning) })
            {
                if (!IsChoiceLetters(text) && DetectLanguage(text, _options.MinLanguageLetters) is { } language && language != questionLanguage)
                {
                    flags.Add(new(QualityCodes.LanguageMismatch, $"the question is {Name(questionLanguage)}, the {part} {Name(language)}"));
                    break;
                }
            }
        }

        if ((FindLoop(reasoning) ?? FindLoop(answer)) is { } loop)
        {
            flags.Add(new(QualityCodes.RepetitionLoop, loop));
        }
        if (ThinkTagPattern().Match(reasoning) is { Success: true } inReasoning)
        {
            flags.Add(new(QualityCodes.ThinkTag, $"the reasoning holds a leftover tag {inReasoning.Value}"));
        }
        else if (ThinkTagPattern().Match(answer) is { Success: true } inAnswer)
        {
            flags.Add(new(QualityCodes.ThinkTag, $"the answer holds a leftover tag {inAnswer.Value}"));
        }
        if (PlaceholderPattern().Match(reasoning) is { Success: true } p1)
        {
            flags.Add(new(QualityCodes.Placeholder, $"placeholder text in the reasoning: \"{p1.Value}\""));
        }
        else if (PlaceholderPattern().Match(answer) is { Success: true } p2)
        {
            flags.Add(new(QualityCodes.Placeholder, $"placeholder text in the answer: \"{p2.Value}\""));
        }
        return flags;
    }

    /// <summary>Length in units: a CJK character, a run of letters (a word) or a run of digits each count one.</summary>
    public static int Units(string text)
    {
        var units = 0;
        var inWord = false;
        var inNumber = false;
        foreach (var ch in text)
        {
            if (IsHan(ch))
            {
                units++;
                inWord = inNumber = false;
            }
            else if (char.IsLetter(ch))
            {
                units += inWord ? 0 : 1;
                inWord = true;
                inNumber = false;
            }
            else if (char.IsDigit(ch))
            {
                units += inNumber ? 0 : 1;
                inNumber = true;
                inWord = false;
            }
            else if (ch is not ('.' or ',') || !inNumber)
            {
                inWord = inNumber = false;
            }
        }
        return units;
    }

    /// <summary>"zh" when a fifth or more of the letters are CJK, "en" otherwise; null with fewer than <paramref name="minLetters"/> letters.</summary>
    public static string? DetectLanguage(string text, int minLetters)
    {
        int han = 0, letters = 0;
        foreach (var ch in text)
        {
            if (IsHan(ch))
            {
                han++;
                letters++;
            }
            else if (char.IsLetter(ch))
            {
                letters++;
            }
        }
        // A CJK character carries about what an English word does: two of them are enough to judge.
        if (letters < minLetters && han < 2)
        {
            return null;
        }
        return han * 5 >= letters ? "zh" : "en";
    }

    private static bool IsHan(char ch) => ch is >= '\u4e00' and <= '\u9fff' or >= '\u3400' and <= '\u4dbf';

    private static bool HasNumber(string text) => text.Any(char.IsDigit) || ChineseNumeral().IsMatch(text) || EnglishNumeral().IsMatch(text);

    /// <summary>A choice answer (B, ABD, A、C) has no language.</summary>
    private static bool IsChoiceLetters(string text) => ChoicePattern().IsMatch(text.Trim());

    /// <summary>A description of the loop in <paramref name="text"/>, or null.</summary>
    private string? FindLoop(string text)
    {
        if (text.Length < _options.LoopTailChars)
        {
            return null;
        }
        // 1. The same sentence again and again, anywhere.
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var raw in SentenceBreak().Split(text))
        {
            var sentence = WhiteSpace().Replace(raw, " ").Trim();
            if (Units(sentence) < 4)
            {
                continue;
            }
            var n = counts[sentence] = counts.GetValueOrDefault(sentence) + 1;
            if (n >= _options.MaxSentenceRepeats)
            {
                return $"the sentence \"{Excerpt(sentence)}\" comes {n} times or more";
            }
        }
        // 2. A tail that repeats one stretch with no sentence break (a model stuck mid-sentence).
        var tail = text.TrimEnd();
        tail = tail.Length > 2_000 ? tail[^2_000..] : tail;
        for (var period = 1; period <= 200 && period * 3 < tail.Length; period++)
        {
            var run = 0;
            for (var i = tail.Length - 1; i >= period && tail[i] == tail[i - period]; i--)
            {
                run++;
            }
            // The stretch comes at least four times (three repeats after the first) over enough text to matter.
            if (run >= period * 3 && run + period >= _options.LoopTailChars)
            {
                return $"the text ends repeating \"{Excerpt(tail[^period..])}\" over {run + period} characters";
            }
        }
        return null;
    }

    private static string Excerpt(string text) => text.Length <= 40 ? text : text[..40] + "…";

    private static string Name(string language) => language == "zh" ? "Chinese" : "English";

    [GeneratedRegex(@"<\s*/?\s*think\s*>", RegexOptions.IgnoreCase)]
    private static partial Regex ThinkTagPattern();

    [GeneratedRegex(@"\{\{[^{}]{0,40}\}\}|\{(?:answer|final_answer|reasoning|question|response)\}|\[(?:insert|your|placeholder)\b[^\]]{0,40}\]|<(?:placeholder|answer here)>|lorem ipsum|\bTODO\b|\bTBD\b|此处(?:填写|插入|补充|省略|为答案)|【(?:答案|待补充|待填写|占位)[^】]{0,10}】|（待补充）|\[答案\]", RegexOptions.IgnoreCase)]
    private static partial Regex PlaceholderPattern();

    [GeneratedRegex(@"^[A-F](?:\s*[,，、;；/]?\s*[A-F])*$")]
    private static partial Regex ChoicePattern();

    [GeneratedRegex(@"[零一二三四五六七八九十百千万亿两]")]
    private static partial Regex ChineseNumeral();

    [GeneratedRegex(@"\b(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|million|billion|half)\b", RegexOptions.IgnoreCase)]
    private static partial Regex EnglishNumeral();

    [GeneratedRegex(@"[。！？!?；;\n]+|\.(?=\s|$)")]
    private static partial Regex SentenceBreak();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhiteSpace();
}
