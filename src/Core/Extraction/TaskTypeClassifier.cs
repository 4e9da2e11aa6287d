using System.Text.RegularExpressions;
using DeepFinance.Core.Data;
using DeepFinance.Core.Verification;

namespace DeepFinance.Core.Extraction;

/// <summary>A task type and the rule that chose it (recorded so an operator can see why).</summary>
public sealed record TaskTypeGuess(TaskType Type, string Rule);

/// <summary>
/// Rules first for the obvious cases: a numeric answer or a calculation is Math (a choice question with a calculation
/// included), regulatory words are Compliance &amp; Security, writing, language-processing and analysis verbs name their
/// types; whatever is left is Knowledge QA. A question that arrives with a type (seed, parent) keeps it.
/// </summary>
public static partial class TaskTypeClassifier
{
    public static TaskTypeGuess Classify(string text, IReadOnlyList<string>? options, string? answer, TaskType? given = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (given is { } g)
        {
            return new TaskTypeGuess(g, "given");
        }
        var numbers = Numbers().Matches(text).Count;
        var reference = string.IsNullOrWhiteSpace(answer) ? null : ReferenceAnswer.Classify(answer);
        if (reference?.Kind is ReferenceKind.Number or ReferenceKind.Percent or ReferenceKind.Fraction)
        {
            return new TaskTypeGuess(TaskType.Math, "numeric-answer");
        }
        if (Calculation().IsMatch(text) && numbers >= 1)
        {
            return new TaskTypeGuess(TaskType.Math, options is { Count: > 0 } ? "choice-with-calculation" : "calculation");
        }
        if (Compliance().IsMatch(text))
        {
            return new TaskTypeGuess(TaskType.ComplianceSecurity, "compliance-words");
        }
        if (Generation().IsMatch(text))
        {
            return new TaskTypeGuess(TaskType.TextGeneration, "writing-verbs");
        }
        if (Nlp().IsMatch(text))
        {
            return new TaskTypeGuess(TaskType.Nlp, "language-task-verbs");
        }
        if (Analysis().IsMatch(text) && options is not { Count: > 0 })
        {
            return new TaskTypeGuess(TaskType.AnalysisInterpretation, "analysis-verbs");
        }
        return new TaskTypeGuess(TaskType.KnowledgeQa, options is { Count: > 0 } ? "choice" : "default");
    }

    [GeneratedRegex(@"\d+(?:\.\d+)?")]
    private static partial Regex Numbers();

    [GeneratedRegex(@"计算|求|多少|是多少|收益率为|现值|终值|\bcalculate\b|\bcompute\b|how much|how many|what is the (?:value|yield|return|price|rate|amount)", RegexOptions.IgnoreCase)]
    private static partial Regex Calculation();

    [GeneratedRegex(@"合规|监管|反洗钱|违规|处罚|信息披露|内幕交易|监管要求|适当性|\bcompliance\b|\bregulat|\banti-money|\bAML\b|\bKYC\b|insider trading|\bsanction", RegexOptions.IgnoreCase)]
    private static partial Regex Compliance();

    [GeneratedRegex(@"撰写|起草|写一(?:篇|份|段)|生成一|\bwrite (?:a|an)\b|\bdraft\b|\bcompose\b", RegexOptions.IgnoreCase)]
    private static partial Regex Generation();

    [GeneratedRegex(@"翻译|摘要|概括|情感|实体识别|分类下列|\btranslate\b|\bsummari[sz]e\b|\bsentiment\b|\bextract the\b|\bclassify\b", RegexOptions.IgnoreCase)]
    private static partial Regex Nlp();

    [GeneratedRegex(@"分析|解释|为什么|原因|评价|\banaly[sz]e\b|\binterpret\b|\bexplain\b|\bwhy\b", RegexOptions.IgnoreCase)]
    private static partial Regex Analysis();
}
