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
        var options = question.Options is { Count: > 0 } list && !ListsOptions(question.Text)
            ? list.Select((text, i) => new Dictionary<string, object?> { ["letter"] = ((char)('A' + i)).ToString(), ["text"] = text }).ToList()
            : [];
        var model = new Dictionary<string, object?>
        {
            ["question"] = question.Text,
            ["options"] = options,
            ["language"] = question.Language,
            ["task_type"] = question.TaskType?.DisplayName() ?? "",
        };
        var messages = prompts.Render(prompt, model);
        return new LlmRequest(synthesizer, messages, sampleIndex, salt, Purpose, provenance);
    }

    /// <summary>Seed questions often list their options inline already ("A. … B. …").</summary>
    internal static bool ListsOptions(string text) => InlineOptions().Matches(text).Count >= 2;

    [GeneratedRegex(@"(?:^|\s)[A-F][\.．、:：]\s?\S")]
    private static partial Regex InlineOptions();
}
