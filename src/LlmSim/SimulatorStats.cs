using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace DeepFinance.LlmSim;

/// <summary>Counters as served by <c>GET /stats</c>.</summary>
public sealed record SimulatorStatsSnapshot(
    long Requests,
    long Completed,
    long Rejected,
    long Faulted,
    long InFlight,
    long MaxInFlight,
    long DuplicateBodies);

/// <summary>Live, thread-safe counters of the chat-completion endpoint.</summary>
public sealed class SimulatorStats
{
    private readonly ConcurrentDictionary<string, byte> _bodies = new(StringComparer.Ordinal);
    private long _requests;
    private long _completed;
    private long _rejected;
    private long _faulted;
    private long _inFlight;
    private long _maxInFlight;
    private long _duplicateBodies;

    /// <summary>Every chat-completion request received.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Requests answered normally.</summary>
    public long Completed => Interlocked.Read(ref _completed);

    /// <summary>429 answers, from the concurrency limit or injected.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Injected 500, hang, truncated and malformed answers.</summary>
    public long Faulted => Interlocked.Read(ref _faulted);

    /// <summary>Requests being served right now.</summary>
    public long InFlight => Interlocked.Read(ref _inFlight);

    /// <summary>Highest <see cref="InFlight"/> seen since the last reset.</summary>
    public long MaxInFlight => Interlocked.Read(ref _maxInFlight);

    /// <summary>Requests whose exact body had already been received since the last reset.</summary>
    public long DuplicateBodies => Interlocked.Read(ref _duplicateBodies);

    public SimulatorStatsSnapshot Snapshot() =>
        new(Requests, Completed, Rejected, Faulted, InFlight, MaxInFlight, DuplicateBodies);

    /// <summary>
    /// Zeroes the counters and forgets the bodies seen. <see cref="InFlight"/> is a gauge of
    /// requests still running, so it keeps its value (0 when idle) and the maximum starts from it.
    /// </summary>
    public void Reset()
    {
        Interlocked.Exchange(ref _requests, 0);
        Interlocked.Exchange(ref _completed, 0);
        Interlocked.Exchange(ref _rejected, 0);
        Interlocked.Exchange(ref _faulted, 0);
        Interlocked.Exchange(ref _duplicateBodies, 0);
        Interlocked.Exchange(ref _maxInFlight, Interlocked.Read(ref _inFlight));
        _bodies.Clear();
    }

    /// <summary>Raised with each request body as received, for tests that check what a client sent (a prompt's content, say).</summary>
    public event Action<string>? BodyReceived;

    internal void CountRequest(ReadOnlySpan<byte> body)
    {
        Interlocked.Increment(ref _requests);
        BodyReceived?.Invoke(System.Text.Encoding.UTF8.GetString(body));
        var hash = Convert.ToHexString(SHA256.HashData(body));
        if (!_bodies.TryAdd(hash, 0))
        {
            Interlocked.Increment(ref _duplicateBodies);
        }
    }

    internal void CountCompleted() => Interlocked.Increment(ref _completed);

    internal void CountRejected() => Interlocked.Increment(ref _rejected);

    internal void CountFaulted() => Interlocked.Increment(ref _faulted);

    /// <summary>Takes a slot unless <paramref name="limit"/> requests are already in flight.</summary>
    internal bool TryEnter(int limit)
    {
        var now = Interlocked.Increment(ref _inFlight);
        if (now > limit)
        {
            Interlocked.Decrement(ref _inFlight);
            return false;
        }

        var max = Interlocked.Read(ref _maxInFlight);
        while (now > max)
        {
            var seen = Interlocked.CompareExchange(ref _maxInFlight, now, max);
            if (seen == max)
            {
                break;
            }

            max = seen;
        }

        return true;
    }

    internal void Leave() => Interlocked.Decrement(ref _inFlight);
}
