using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace DeepFinance.Core.Llm;

/// <summary>
/// A circuit breaker per synthesizer. Consecutive connection failures across every run open it; while
/// open, calls are refused without a request so no item is burnt on an endpoint that is down. After the
/// cool-down one call probes it; any answer (even an HTTP error) closes it. Resuming a run resets it.
/// </summary>
public sealed class SynthesizerBreaker(IOptions<LlmOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, State> _states = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Why calls to <paramref name="synthesizer"/> are refused now, or null when they may go.</summary>
    public string? RefusalReason(string synthesizer)
    {
        if (!_states.TryGetValue(synthesizer, out var s))
        {
            return null;
        }
        lock (s)
        {
            if (s.OpenedAt is not { } opened)
            {
                return null;
            }
            if (time.GetUtcNow() - opened >= TimeSpan.FromSeconds(options.Value.BreakerCooldownSeconds) && !s.Probing)
            {
                s.Probing = true;
                return null;
            }
            return s.LastError;
        }
    }

    /// <summary>The endpoint answered (whatever it said).</summary>
    public void Answered(string synthesizer)
    {
        if (_states.TryGetValue(synthesizer, out var s))
        {
            lock (s)
            {
                s.Failures = 0;
                s.OpenedAt = null;
                s.Probing = false;
            }
        }
    }

    /// <summary>Records a connection failure; true when the breaker is open after it.</summary>
    public bool ConnectionFailed(string synthesizer, string error)
    {
        var s = _states.GetOrAdd(synthesizer, _ => new State());
        lock (s)
        {
            s.Failures++;
            s.LastError = error;
            s.Probing = false;
            if (s.Failures >= options.Value.BreakerFailures)
            {
                s.OpenedAt = time.GetUtcNow();
            }
            return s.OpenedAt is not null;
        }
    }

    public bool IsOpen(string synthesizer) => _states.TryGetValue(synthesizer, out var s) && s.OpenedAt is not null;

    public void Reset(string synthesizer) => _states.TryRemove(synthesizer, out _);

    private sealed class State
    {
        public int Failures;
        public DateTimeOffset? OpenedAt;
        public bool Probing;
        public string? LastError;
    }
}
