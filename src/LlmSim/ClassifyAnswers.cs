using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace DeepFinance.LlmSim;

/// <summary>
/// Answers the classifier step (<c>[classify:question]</c>) with <c>{"task_type","difficulty","reason"}</c>: the oracle
/// file's <c>task_type</c> and <c>difficulty</c> when it knows the question and gives them, otherwise a keyword guess
/// from the question (the same request always gets the same answer). At <see cref="SimulatorOptions.ClassifyMalformedRate"/>
/// the answer is broken: half of those cut off mid-object, half with a task type outside the six.
/// </summary>
public static partial class ClassifyAnswers
{
    public const string Tag = "[classify:question]";

    /// <summary>The label a broken answer names, outside the six task types.</summary>
    public const string UnknownType = "Fortune Telling";

    public static SimAnswer Answer(OracleEntry? entry, ChatRequest request, SimulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(options);
        var question = QuestionPart(request.LastUserContent);
        var (type, why) = entry?.TaskType is { Length: > 0 } known ? (known, "known question") : Guess(question);
        var difficulty = entry?.Difficulty is { Length: > 0 } level ? level.ToLowerInvariant() : Level(question);
        var (draw, pick) = AnswerComposer.Draw(request);
        var broken = draw < options.ClassifyMalformedRate;
        var content = new JsonObject
        {
            ["task_type"] = broken && (pick & 1) == 1 ? UnknownType : type,
            ["difficulty"] = difficulty,
            ["reason"] = why,
        }.ToJsonString();
        if (broken && (pick & 1) == 0)
        {
            content = content[..(content.Length / 2)];
        }
        var reasoning = TokenCounter.ContainsCjk(question) ? "看题目要求做什么、需要几步。" : "Look at what the question asks for and how many steps it takes.";
        return new SimAnswer(reasoning, content, broken ? AnswerMode.ClassifyMalformed : AnswerMode.Classified);
    }

    /// <summary>The question part of the user message: what comes before the requested answer shape.</summary>
    private static string QuestionPart(string text)
    {
        foreach (var marker in new[] { "Answer in this shape", "按此格式回答" })
        {
            var at = text.IndexOf(marker, StringComparison.Ordinal);
            if (at >= 0)
            {
                text = text[..at];
            }
        }
        return text;
    }

    private static (string Type, string Why) Guess(string q) =>
        Math().IsMatch(q) ? ("Math", "asks for a calculated figure")
        : Compliance().IsMatch(q) ? ("Compliance & Security", "asks about rules or regulatory duties")
        : Writing().IsMatch(q) ? ("Text Generation", "asks for a piece of writing")
        : Language().IsMatch(q) ? ("NLP", "asks for language work on a text")
        : Analysis().IsMatch(q) ? ("Analysis & Interpretation", "asks for an explanation of causes and effects")
        : ("Knowledge QA", "asks for a concept or fact");

    private static string Level(string q)
    {
        var figures = Figures().Matches(q).Count;
        return figures >= 4 || q.Length >= 400 ? "hard" : figures >= 2 || q.Length >= 150 ? "medium" : "simple";
    }

    [GeneratedRegex(@"计算|多少|\bcalculate\b|\bcompute\b|how much|how many", RegexOptions.IgnoreCase)]
    private static partial Regex Math();

    [GeneratedRegex(@"合规|监管|反洗钱|违规|\bcomplian|\bregulat|\bAML\b|\bKYC\b", RegexOptions.IgnoreCase)]
    private static partial Regex Compliance();

    [GeneratedRegex(@"撰写|起草|\bwrite\b|\bdraft\b", RegexOptions.IgnoreCase)]
    private static partial Regex Writing();

    [GeneratedRegex(@"翻译|摘要|情感|\btranslate\b|\bsummari[sz]e\b|\bsentiment\b", RegexOptions.IgnoreCase)]
    private static partial Regex Language();

    [GeneratedRegex(@"分析|解释|为什么|\banaly[sz]e\b|\bexplain\b|\bwhy\b", RegexOptions.IgnoreCase)]
    private static partial Regex Analysis();

    [GeneratedRegex(@"\d+(?:\.\d+)?")]
    private static partial Regex Figures();
}
