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

/// <summary>
/// The synthesizer is not answering at all (refused, unreachable, silent past the timeout) and its breaker
/// is open. The item is not failed: it stays pending and its run pauses with this reason.
/// </summary>
public sealed class EndpointUnavailableException(string synthesizer, string reason, int attempts)
    : Exception($"Synthesizer '{synthesizer}' is not answering: {reason}")
{
    public string Synthesizer { get; } = synthesizer;
    public int Attempts { get; } = attempts;
}

/// <summary>The run was stopped (cancelled or paused) before this attempt: nothing was sent, the item stays pending.</summary>
public sealed class CallStoppedException(int attempts) : Exception("the run was stopped before another attempt")
{
    public int Attempts { get; } = attempts;
}
