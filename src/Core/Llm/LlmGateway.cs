using System.ClientModel;
using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using DeepFinance.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DeepFinance.Core.Llm;

/// <summary>
/// Every LLM call goes through here: privacy gate, the response store (a stored hash is never sent
/// again), the synthesizer's limits, our retries with backoff, and storing the parsed response
/// before anyone uses it.
/// </summary>
public sealed class LlmGateway(
    IDbContextFactory<DeepFinanceDbContext> dbFactory,
    SynthesizerCatalog catalog,
    SynthesizerLimiter limiter,
    SynthesizerBreaker breaker,
    ChatEndpointClient endpointClient,
    EndpointPolicy endpoints,
    GroupCommitWriter writer,
    IOptions<LlmOptions> options,
    ILogger<LlmGateway> logger)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<LlmResult>>> _inFlight = new();
    private readonly RecentHashes _storedHere = new(50_000);

    /// <summary>Counts every HTTP attempt made by this process, for cost accounting of failures.</summary>
    public event Action<string, int>? AttemptMade;

    public async Task<SynthesizerProfile> ProfileAsync(string synthesizer, CancellationToken ct) =>
        await catalog.FindAsync(synthesizer, ct) ?? throw new LlmCallException($"Unknown synthesizer '{synthesizer}'.", 0, transient: false);

    public async Task<LlmResult> CompleteAsync(LlmRequest request, CancellationToken ct)
    {
        var profile = await ProfileAsync(request.Synthesizer, ct);
        return await CompleteAsync(profile, request, ct);
    }

    /// <param name="stored">
    /// Stored responses looked up once for a whole partition (<see cref="FindStoredAsync(IEnumerable{string}, CancellationToken)"/>).
    /// A hash missing from it is looked up again only if this process stored it since.
    /// </param>
    /// <param name="hash">The request's canonical hash when the caller computed it already (<see cref="RequestHasher.Hash"/>).</param>
    public async Task<LlmResult> CompleteAsync(SynthesizerProfile profile, LlmRequest request, CancellationToken ct,
        IReadOnlyDictionary<string, LlmCompletion>? stored = null, string? hash = null)
    {
        // The client's own gate, asked first so a refusal takes no slot, counts no attempt and is never retried.
        ChatEndpointClient.EnsureAllowed(profile, request);

        hash ??= RequestHasher.Hash(profile, request);
        var found = stored is null || _storedHere.Contains(hash)
            ? await FindStoredAsync(hash, ct)
            : stored.GetValueOrDefault(hash);
        if (found is not null)
        {
            return new LlmResult(hash, found, FromStore: true, Attempts: 0, Cost: 0m);
        }

        // Two identical requests in flight at once share one HTTP call; only the first pays.
        var mine = new Lazy<Task<LlmResult>>(() => SendAndStoreAsync(hash, profile, request, ct));
        var shared = _inFlight.GetOrAdd(hash, mine);
        if (!ReferenceEquals(shared, mine))
        {
            var result = await shared.Value;
            return result with { FromStore = true, Cost = 0m, Attempts = 0 };
        }
        try
        {
            return await mine.Value;
        }
        finally
        {
            _inFlight.TryRemove(new KeyValuePair<string, Lazy<Task<LlmResult>>>(hash, mine));
        }
    }

    public async Task<LlmCompletion?> FindStoredAsync(string hash, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.LlmResponses.AsNoTracking().FirstOrDefaultAsync(r => r.RequestHash == hash, ct);
        return row is null ? null : ToCompletion(row);
    }

    /// <summary>One query for many hashes: what a partition needs before it sends anything.</summary>
    public async Task<IReadOnlyDictionary<string, LlmCompletion>> FindStoredAsync(IEnumerable<string> hashes, CancellationToken ct)
    {
        var result = new Dictionary<string, LlmCompletion>(StringComparer.Ordinal);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        foreach (var chunk in hashes.Distinct().Chunk(500))
        {
            var rows = await db.LlmResponses.AsNoTracking().Where(r => chunk.Contains(r.RequestHash)).ToListAsync(ct);
            foreach (var row in rows)
            {
                result[row.RequestHash] = ToCompletion(row);
            }
        }
        return result;
    }

    private static LlmCompletion ToCompletion(LlmResponse row) => new(row.Content, row.Reasoning, row.ReasoningFormat, row.FinishReason,
        row.PromptTokens, row.CompletionTokens, row.ReasoningTokens, row.LatencyMs);

    private async Task<LlmResult> SendAndStoreAsync(string hash, SynthesizerProfile profile, LlmRequest request, CancellationToken ct)
    {
        var endpoint = catalog.ResolveEndpoint(profile);
        try
        {
            await endpoints.EnsureAllowedAsync(endpoint, profile, ct);
        }
        catch (EndpointNotAllowedException e)
        {
            // Nothing sent and no attempt made: the run pauses with the reason until an Admin allows the host or the URL changes.
            throw new EndpointUnavailableException(profile.Name, e.Message, 0);
        }
        var o = options.Value;
        var scope = LlmCallScope.Current;
        var stop = scope?.StopNewAttempts ?? CancellationToken.None;
        var estimated = request.Messages.Sum(m => m.Content.Length) / 3 + 256;
        string lastError = "no attempt made";
        var connectionFailure = false;
        for (var attempt = 1; attempt <= o.MaxAttempts; attempt++)
        {
            if (stop.IsCancellationRequested)
            {
                throw new CallStoppedException(attempt - 1);
            }
            if (breaker.RefusalReason(profile.Name) is { } refusal)
            {
                throw new EndpointUnavailableException(profile.Name, refusal, attempt - 1);
            }
            TimeSpan? retryAfter = null;
            var transient = false;
            LlmCompletion? completion = null;
            using (await limiter.AcquireAsync(profile, estimated, ct))
            {
                // Asked again once the slot is ours: the breaker may have opened, or the run stopped, while we queued.
                if (breaker.RefusalReason(profile.Name) is { } late)
                {
                    throw new EndpointUnavailableException(profile.Name, late, attempt - 1);
                }
                if (stop.IsCancellationRequested)
                {
                    throw new CallStoppedException(attempt - 1);
                }
                // Counted where it is sent, so the run's attempts equal what the endpoint received. The count is
                // committed before the request leaves: a process killed with the request in flight has still counted
                // what it paid for (the group commit batches these, so concurrent calls share one transaction).
                AttemptMade?.Invoke(profile.Name, 1);
                if (scope is not null)
                {
                    await writer.SubmitAsync(new CounterWrite(scope.RunId, new RunCounterDelta { Attempts = 1 }));
                }
                connectionFailure = false;
                try
                {
                    completion = await endpointClient.CompleteAsync(endpoint, profile, request, ct);
                    breaker.Answered(profile.Name);
                    Validate(completion, request);
                }
                catch (ClientResultException e) when (!ct.IsCancellationRequested)
                {
                    completion = null;
                    var status = e.Status;
                    transient = status is 0 or 408 or 409 or 429 or >= 500;
                    connectionFailure = status == 0;
                    retryAfter = RetryAfter(e);
                    lastError = status == 0 ? $"no response from {endpoint.Host}: {Brief(e.Message)}" : $"HTTP {status} from {endpoint.Host}: {Brief(e.Message)}";
                    if (!connectionFailure)
                    {
                        breaker.Answered(profile.Name);
                    }
                }
                catch (Exception e) when (!ct.IsCancellationRequested && e is MalformedResponseException or JsonException or FormatException or InvalidOperationException or ArgumentException)
                {
                    completion = null;
                    transient = true;
                    lastError = $"malformed response from {endpoint.Host}: {Brief(e.Message)}";
                }
                catch (Exception e) when (!ct.IsCancellationRequested && e is HttpRequestException or IOException or TaskCanceledException or TimeoutException)
                {
                    completion = null;
                    transient = true;
                    connectionFailure = true;
                    lastError = e is TaskCanceledException or TimeoutException
                        ? $"no answer from {endpoint.Host} within {o.RequestTimeoutSeconds} s"
                        : $"network error talking to {endpoint.Host}: {Brief(e.Message)}";
                }
            }
            // The slot is free again before the answer is stored: storing waits on the database, not on the endpoint.
            if (completion is not null)
            {
                await writer.SubmitAsync(new StoreResponseWrite(hash, profile, completion, scope?.RunId));
                _storedHere.Add(hash);
                return new LlmResult(hash, completion, FromStore: false, attempt, profile.CostOf(completion.PromptTokens, completion.CompletionTokens));
            }

            if (connectionFailure && breaker.ConnectionFailed(profile.Name, lastError))
            {
                throw new EndpointUnavailableException(profile.Name, lastError, attempt);
            }
            if (!transient)
            {
                throw new LlmCallException(lastError, attempt, transient: false);
            }
            if (attempt < o.MaxAttempts)
            {
                var delay = retryAfter ?? Backoff(attempt, o);
                logger.LogInformation("Synthesizer {Synthesizer}: attempt {Attempt} failed ({Error}); retrying in {Delay} ms",
                    profile.Name, attempt, lastError, (int)delay.TotalMilliseconds);
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct, stop);
                try
                {
                    await Task.Delay(delay, wait.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    throw new CallStoppedException(attempt);
                }
            }
        }
        if (connectionFailure)
        {
            // An endpoint that never answered does not fail the item: it stays pending for when the endpoint is back.
            throw new EndpointUnavailableException(profile.Name, lastError, o.MaxAttempts);
        }
        throw new LlmCallException($"{lastError} (after {o.MaxAttempts} attempts)", o.MaxAttempts, transient: true);
    }

    private static void Validate(LlmCompletion completion, LlmRequest request)
    {
        if (completion.FinishReason == "length")
        {
            throw new MalformedResponseException($"the answer was cut off at the token limit (finish_reason=length)");
        }
        if (string.IsNullOrWhiteSpace(completion.Content))
        {
            throw new MalformedResponseException("the answer is empty");
        }
        if (request.JsonSchema is not null && !request.CallerRepairsJson)
        {
            using var _ = JsonDocument.Parse(completion.Content);
        }
    }

    private static TimeSpan? RetryAfter(ClientResultException e)
    {
        var response = e.GetRawResponse();
        if (response is null || !response.Headers.TryGetValue("Retry-After", out var value) || value is null)
        {
            return null;
        }
        if (double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds))
        {
            return TimeSpan.FromSeconds(Math.Clamp(seconds, 0, 120));
        }
        return DateTimeOffset.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var when)
            ? TimeSpan.FromSeconds(Math.Clamp((when - DateTimeOffset.UtcNow).TotalSeconds, 0, 120))
            : null;
    }

    private static TimeSpan Backoff(int attempt, LlmOptions o)
    {
        var ceiling = Math.Min(o.MaxDelayMs, o.BaseDelayMs * Math.Pow(2, attempt - 1));
        // Full jitter: spreads retries from many workers so they do not return in lockstep.
        return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling);
    }

    private static string Brief(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        return line.Length > 300 ? line[..300] + "…" : line;
    }
}

/// <summary>Stores a paid response under its hash, and adds its tokens and cost to the run it was bought for, in one commit.</summary>
internal sealed class StoreResponseWrite(string hash, SynthesizerProfile profile, LlmCompletion c, long? runId) : BatchedWrite
{
    protected internal override void Apply(DeepFinanceDbContext db, WriteBatch batch)
    {
        if (runId is { } run)
        {
            batch.Count(run, new RunCounterDelta
            {
                PromptTokens = c.PromptTokens, CompletionTokens = c.CompletionTokens, ReasoningTokens = c.ReasoningTokens,
                CostMicros = (long)Math.Round(profile.CostOf(c.PromptTokens, c.CompletionTokens) * 1_000_000m),
            });
        }
        // Another node may have stored the same hash; theirs stands (OR IGNORE on the key).
        batch.Insert(new LlmResponse
        {
            RequestHash = hash,
            SynthesizerName = profile.Name,
            Model = profile.Model,
            Content = c.Content,
            Reasoning = c.Reasoning,
            ReasoningFormat = c.ReasoningFormat,
            FinishReason = c.FinishReason,
            PromptTokens = c.PromptTokens,
            CompletionTokens = c.CompletionTokens,
            ReasoningTokens = c.ReasoningTokens,
            LatencyMs = c.LatencyMs,
            CreatedAt = DateTimeOffset.UtcNow,
        }, orIgnore: true);
    }
}

/// <summary>A bounded set of the hashes this process stored lately: the only ones a partition's look-up can have missed.</summary>
internal sealed class RecentHashes(int capacity)
{
    private readonly Queue<string> _order = new();
    private readonly HashSet<string> _set = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public void Add(string hash)
    {
        lock (_gate)
        {
            if (!_set.Add(hash))
            {
                return;
            }
            _order.Enqueue(hash);
            if (_order.Count > capacity)
            {
                _set.Remove(_order.Dequeue());
            }
        }
    }

    public bool Contains(string hash)
    {
        lock (_gate)
        {
            return _set.Contains(hash);
        }
    }
}
