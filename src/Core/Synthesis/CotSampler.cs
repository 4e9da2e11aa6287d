using System.Text.RegularExpressions;
using DeepFinance.Core.Data;
using DeepFinance.Core.Llm;
using DeepFinance.Core.Privacy;
using DeepFinance.Core.Prompts;

namespace DeepFinance.Core.Synthesis;

/// <summary>Builds the sampling request for a question. The reference answer is never part of it.</summary>
public sealed partial class CotSampler(PromptLibrary prompts)
{
    public const string Purpose = "sampling";

    /// <param name="provenance">The question's provenance from its lineage (<see cref="QuestionProvenance"/>).</param>
    public LlmRequest BuildRequest(Question question, PromptVersion prompt, string synthesizer, int sampleIndex, string salt,
        RequestProvenance provenance)
    {
        var messages = prompts.Render(prompt, Model(question));
        return new LlmRequest(synthesizer, messages, sampleIndex, salt, Purpose, provenance);
    }

    /// <summary>The <c>cot-sample</c> model of a question: what runs render and the prompts page previews.</summary>
    public static Dictionary<string, object?> Model(Question question)
    {
        ArgumentNullException.ThrowIfNull(question);
        return new Dictionary<string, object?>
        {
            ["question"] = question.Text,
            ["options"] = OptionsModel(question),
            ["language"] = question.Language,
            ["task_type"] = question.TaskType?.DisplayName() ?? "",
        };
    }

    /// <summary>A question's options as {letter, text} for a template; empty when the text lists them already.</summary>
    public static List<Dictionary<string, object?>> OptionsModel(Question question)
    {
        ArgumentNullException.ThrowIfNull(question);
        return question.Options is { Count: > 0 } list && !ListsOptions(question.Text)
            ? list.Select((text, i) => new Dictionary<string, object?> { ["letter"] = ((char)('A' + i)).ToString(), ["text"] = text }).ToList()
            : [];
    }

    /// <summary>Seed questions often list their options inline already ("A. … B. …").</summary>
    internal static bool ListsOptions(string text) => InlineOptions().Matches(text).Count >= 2;

    [GeneratedRegex(@"(?:^|\s)[A-F][\.．、:：]\s?\S")]
    private static partial Regex InlineOptions();
}
