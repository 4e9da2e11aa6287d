namespace DeepFinance.LlmSim;

/// <summary>Where a provider puts the reasoning of a reasoning model.</summary>
public enum ReasoningShape
{
    /// <summary><c>message.reasoning_content</c> (DeepSeek, QwQ, vLLM).</summary>
    ReasoningContent,

    /// <summary><c>message.reasoning</c> (OpenRouter, newer vLLM).</summary>
    ReasoningField,

    /// <summary><c>&lt;think&gt;…&lt;/think&gt;</c> at the start of the content (Ollama, some vLLM setups).</summary>
    InlineThink,

    /// <summary>No reasoning at all.</summary>
    None,
}

/// <summary>A model name the simulator serves, and how it answers.</summary>
public sealed record ProviderProfile(string Model, ReasoningShape Shape, bool StreamingOnly)
{
    public static IReadOnlyList<ProviderProfile> All { get; } =
    [
        new("simulator", ReasoningShape.ReasoningContent, false),
        new("deepseek-r1", ReasoningShape.ReasoningContent, false),
        new("qwq-plus", ReasoningShape.ReasoningContent, true),
        new("reasoning-field", ReasoningShape.ReasoningField, false),
        new("think-inline", ReasoningShape.InlineThink, false),
        new("plain", ReasoningShape.None, false),
    ];

    public static ProviderProfile? Find(string? model) =>
        All.FirstOrDefault(p => string.Equals(p.Model, model, StringComparison.Ordinal));
}
