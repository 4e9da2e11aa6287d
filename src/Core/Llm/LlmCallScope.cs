namespace DeepFinance.Core.Llm;

/// <summary>
/// What the engine knows about the calls made while one item is processed: the run they are spent for,
/// and a token that stops new attempts (run cancelled or paused) without aborting one in flight.
/// Ambient, so a judge called from the verifier is attributed to the run without threading it through.
/// </summary>
public sealed class LlmCallScope
{
    private static readonly AsyncLocal<LlmCallScope?> CurrentScope = new();

    private LlmCallScope(long runId, CancellationToken stopNewAttempts)
    {
        RunId = runId;
        StopNewAttempts = stopNewAttempts;
    }

    public long RunId { get; }
    public CancellationToken StopNewAttempts { get; }

    public static LlmCallScope? Current => CurrentScope.Value;

    public static IDisposable Begin(long runId, CancellationToken stopNewAttempts)
    {
        var previous = CurrentScope.Value;
        CurrentScope.Value = new LlmCallScope(runId, stopNewAttempts);
        return new Restore(previous);
    }

    private sealed class Restore(LlmCallScope? previous) : IDisposable
    {
        public void Dispose() => CurrentScope.Value = previous;
    }
}
