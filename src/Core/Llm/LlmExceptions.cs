namespace DeepFinance.Core.Llm;

/// <summary>A call that failed after our retries; the item it served is marked failed with <see cref="Exception.Message"/>.</summary>
public sealed class LlmCallException(string message, int attempts, bool transient, Exception? inner = null)
    : Exception(message, inner)
{
    public int Attempts { get; } = attempts;
    public bool Transient { get; } = transient;
}

/// <summary>Raised before any byte is sent when text derived from a raw real-world query would reach an external endpoint.</summary>
public sealed class PrivacyGateException(string synthesizer)
    : Exception($"Refused: text derived from a raw real-world query may not be sent to the external synthesizer '{synthesizer}'.")
{
    public string Synthesizer { get; } = synthesizer;
}
