using DeepFinance.Core.Privacy;

namespace DeepFinance.Core.Llm;

public sealed record ChatMessage(string Role, string Content)
{
    public static ChatMessage System(string content) => new("system", content);
    public static ChatMessage User(string content) => new("user", content);
}

/// <summary>
/// One call to a synthesizer. Everything that changes the answer is part of the canonical hash;
/// <see cref="Purpose"/> and <see cref="Provenance"/> describe the call but do not change it.
/// </summary>
/// <param name="Provenance">Where the text comes from, from <see cref="ProvenanceRules"/>; required, so that
/// no request reaches the privacy gate in <see cref="ChatEndpointClient"/> without one.</param>
/// <param name="JsonSchema">Sent as <c>response_format</c> (json_schema); part of the hash.</param>
/// <param name="CallerRepairsJson">The caller reads the JSON itself and asks once for a repair: an answer that does not
/// parse is stored and returned like any other (it was paid for), instead of being retried as a malformed response.</param>
public sealed record LlmRequest(
    string Synthesizer,
    IReadOnlyList<ChatMessage> Messages,
    int SampleIndex,
    string SamplingSalt,
    string Purpose,
    RequestProvenance Provenance,
    string? JsonSchema = null,
    double? Temperature = null,
    int? MaxTokens = null,
    bool CallerRepairsJson = false);

/// <summary>How the reasoning arrived: a separate field, inline think tags, or not at all.</summary>
public static class ReasoningFormats
{
    public const string ReasoningContent = "reasoning_content";
    public const string ReasoningField = "reasoning";
    public const string ThinkTags = "think-tags";
    public const string None = "none";
}

public sealed record LlmCompletion(
    string Content,
    string? Reasoning,
    string ReasoningFormat,
    string? FinishReason,
    int PromptTokens,
    int CompletionTokens,
    int ReasoningTokens,
    int LatencyMs);

/// <summary>The result of a call: the completion, whether it came from the store, and what it cost now.</summary>
public sealed record LlmResult(string RequestHash, LlmCompletion Completion, bool FromStore, int Attempts, decimal Cost);
