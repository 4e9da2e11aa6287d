using DeepFinance.Core.Data;

namespace DeepFinance.Core.Release.Export;

/// <summary>
/// One frozen release item as every exporter sees it: the release's own text (a reviewer's edit or a PII fix)
/// where it has one, the source text otherwise, and the lineage from seed to review.
/// </summary>
public sealed record ExportRow
{
    public required long TraceId { get; init; }
    public required long QuestionId { get; init; }
    /// <summary>"verified" or "accepted_rewrite".</summary>
    public required string Kind { get; init; }
    public required string Question { get; init; }
    public IReadOnlyList<string>? Options { get; init; }
    public required string Reasoning { get; init; }
    public required string Answer { get; init; }
    /// <summary>The short answer the verifier extracted and checked (DeepMath's <c>final_answer</c>); null when the release changed the answer text.</summary>
    public string? FinalAnswer { get; init; }
    public string? TaskType { get; init; }
    public string? Difficulty { get; init; }
    public string? DifficultySource { get; init; }
    public double? PassRate { get; init; }
    public int VerifiedSamples { get; init; }
    public required string Origin { get; init; }
    public required string Language { get; init; }
    public long? ParentQuestionId { get; init; }
    public long? SeedItemId { get; init; }
    public string? Perturbation { get; init; }
    public long RunId { get; init; }
    public required string Synthesizer { get; init; }
    public required string Model { get; init; }
    public int TemplateVersion { get; init; }
    public int SampleIndex { get; init; }
    public int Round { get; init; }
    public long? ParentTraceId { get; init; }
    public required string RequestHash { get; init; }
    public long? ReviewId { get; init; }
    public long? OriginalTraceId { get; init; }
    /// <summary>The flawed first answer an accepted rewrite corrects (the rejected side of a preference pair), when it can be exported.</summary>
    public string? OriginalReasoning { get; init; }
    public string? OriginalAnswer { get; init; }

    /// <summary>The user turn: the question, and its options lettered A, B, … when it has any.</summary>
    public string Prompt
    {
        get
        {
            if (Options is not { Count: > 0 } options)
            {
                return Question;
            }
            var text = new System.Text.StringBuilder(Question);
            text.Append('\n');
            for (var i = 0; i < options.Count; i++)
            {
                var letter = (char)('A' + i);
                var option = options[i].Trim();
                var lettered = option.Length > 1 && char.ToUpperInvariant(option[0]) == letter && option[1] is '.' or '、' or ')' or ':' or '：' or '．';
                text.Append('\n').Append(lettered ? option : $"{letter}. {option}");
            }
            return text.ToString();
        }
    }

    /// <summary>The assistant turn with the reasoning inside a think block, as reasoning models write it.</summary>
    public string ThinkAndAnswer => Think(Reasoning, Answer);

    public static string Think(string reasoning, string answer) => $"<think>\n{reasoning.Trim()}\n</think>\n\n{answer.Trim()}";

    public static string KindName(ReleaseItemKind kind) => kind == ReleaseItemKind.AcceptedRewrite ? "accepted_rewrite" : "verified";
}
