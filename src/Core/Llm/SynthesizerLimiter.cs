using System.Collections.Concurrent;
using System.Threading.RateLimiting;

namespace DeepFinance.Core.Llm;

/// <summary>
/// A synthesizer's limits (concurrent requests, requests/min, tokens/min) shared by every run in
/// this process. Limits belong to the endpoint, not the run, so two runs on one synthesizer share them.
/// </summary>
public sealed class SynthesizerLimiter : IDisposable
{
    private readonly ConcurrentDictionary<string, Gate> _gates = new(StringComparer.OrdinalIgnoreCase);

    public async Task<IDisposable> AcquireAsync(SynthesizerProfile profile, int estimatedTokens, CancellationToken ct)
    {
        var gate = _gates.AddOrUpdate(profile.Name, _ => new Gate(profile),
            (_, existing) => existing.Matches(profile) ? existing : new Gate(profile));
        if (gate.Requests is not null)
        {
            using var lease = await gate.Requests.AcquireAsync(1, ct);
        }
        if (gate.Tokens is not null)
        {
            var wanted = Math.Clamp(estimatedTokens, 1, profile.TokensPerMinute);
            using var lease = await gate.Tokens.AcquireAsync(wanted, ct);
        }
        await gate.Concurrency.WaitAsync(ct);
        return new Release(gate.Concurrency);
    }

    public int InFlight(string synthesizer) =>
        _gates.TryGetValue(synthesizer, out var g) ? g.Limit - g.Concurrency.CurrentCount : 0;

    public void Dispose()
    {
        foreach (var gate in _gates.Values)
        {
            gate.Requests?.Dispose();
            gate.Tokens?.Dispose();
        }
    }

    private sealed class Gate
    {
        public Gate(SynthesizerProfile p)
        {
            Limit = p.MaxConcurrency;
            Rpm = p.RequestsPerMinute;
            Tpm = p.TokensPerMinute;
            Concurrency = new SemaphoreSlim(p.MaxConcurrency, p.MaxConcurrency);
            Requests = p.RequestsPerMinute > 0 ? Bucket(p.RequestsPerMinute) : null;
            Tokens = p.TokensPerMinute > 0 ? Bucket(p.TokensPerMinute) : null;
        }

        public int Limit { get; }
        private int Rpm { get; }
        private int Tpm { get; }
        public SemaphoreSlim Concurrency { get; }
        public TokenBucketRateLimiter? Requests { get; }
        public TokenBucketRateLimiter? Tokens { get; }

        public bool Matches(SynthesizerProfile p) => p.MaxConcurrency == Limit && p.RequestsPerMinute == Rpm && p.TokensPerMinute == Tpm;

        // Refill a sixtieth each second rather than all at once, so a run does not burst then stall.
        private static TokenBucketRateLimiter Bucket(int perMinute) => new(new TokenBucketRateLimiterOptions
        {
            TokenLimit = perMinute,
            TokensPerPeriod = Math.Max(1, perMinute / 60),
            ReplenishmentPeriod = TimeSpan.FromSeconds(Math.Max(1, 60.0 / perMinute * Math.Max(1, perMinute / 60))),
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
    }

    private sealed class Release(SemaphoreSlim semaphore) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                semaphore.Release();
            }
        }
    }
}
