namespace DeepFinance.Core.Llm;

/// <summary>A call that failed after our retries; the item it served is marked failed with <see cref="Exception.Message"/>.</summary>
public sealed class LlmCallException(string message, int attempts, bool transient, Exception? inner = null)
    : Exception(message, inner)
{
    public int Attempts { get; } = attempts;
    public bool Transient { get; } = transient;
}

/// <summary>
/// Raised by <see cref="ChatEndpointClient"/> before any byte is sent, when text derived from a raw
/// real-world query (or of unknown lineage) would reach an external synthesizer. Never retried, never an attempt.
/// </summary>
public sealed class PrivacyGateException(string synthesizer, string purpose)
    : Exception($"Refused before sending: the {purpose} request carries text derived from a raw real-world query, and synthesizer '{synthesizer}' is external. Only public or expert-approved desensitized text may go to an external synthesizer.")
{
    public string Synthesizer { get; } = synthesizer;

    public string Purpose { get; } = purpose;
}
