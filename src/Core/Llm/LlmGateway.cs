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
    ChatEndpointClient endpointClient,
    IOptions<LlmOptions> options,
    ILogger<LlmGateway> logger)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<LlmResult>>> _inFlight = new();

    /// <summary>Counts every HTTP attempt made by this process, for cost accounting of failures.</summary>
    public event Action<string, int>? AttemptMade;

    public async Task<SynthesizerProfile> ProfileAsync(string synthesizer, CancellationToken ct) =>
        await catalog.FindAsync(synthesizer, ct) ?? throw new LlmCallException($"Unknown synthesizer '{synthesizer}'.", 0, transient: false);

    public async Task<LlmResult> CompleteAsync(LlmRequest request, CancellationToken ct)
    {
        var profile = await ProfileAsync(request.Synthesizer, ct);
        return await CompleteAsync(profile, request, ct);
    }

    public async Task<LlmResult> CompleteAsync(SynthesizerProfile profile, LlmRequest request, CancellationToken ct)
    {
        // The client's own gate, asked first so a refusal takes no slot, counts no attempt and is never retried.
        ChatEndpointClient.EnsureAllowed(profile, request);

        var hash = RequestHasher.Hash(profile, request);
        var stored = await FindStoredAsync(hash, ct);
        if (stored is not null)
        {
            return new LlmResult(hash, stored, FromStore: true, Attempts: 0, Cost: 0m);
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
        return row is null ? null : new LlmCompletion(row.Content, row.Reasoning, row.ReasoningFormat, row.FinishReason,
            row.PromptTokens, row.CompletionTokens, row.ReasoningTokens, row.LatencyMs);
    }

    private async Task<LlmResult> SendAndStoreAsync(string hash, SynthesizerProfile profile, LlmRequest request, CancellationToken ct)
    {
        var endpoint = catalog.ResolveEndpoint(profile);
        var o = options.Value;
        var estimated = request.Messages.Sum(m => m.Content.Length) / 3 + 256;
        string lastError = "no attempt made";
        for (var attempt = 1; attempt <= o.MaxAttempts; attempt++)
        {
            TimeSpan? retryAfter = null;
            bool transient;
            using (await limiter.AcquireAsync(profile, estimated, ct))
            {
                AttemptMade?.Invoke(profile.Name, 1);
                try
                {
                    var completion = await endpointClient.CompleteAsync(endpoint, profile, request, ct);
                    Validate(completion, request);
                    await StoreAsync(hash, profile, completion, ct);
                    return new LlmResult(hash, completion, FromStore: false, attempt,
                        profile.CostOf(completion.PromptTokens, completion.CompletionTokens));
                }
                catch (ClientResultException e) when (!ct.IsCancellationRequested)
                {
                    var status = e.Status;
                    transient = status is 0 or 408 or 409 or 429 or >= 500;
                    retryAfter = RetryAfter(e);
                    lastError = status == 0 ? $"no response from {endpoint.Host}: {e.Message}" : $"HTTP {status} from {endpoint.Host}: {Brief(e.Message)}";
                }
                catch (Exception e) when (!ct.IsCancellationRequested && e is MalformedResponseException or JsonException or FormatException or InvalidOperationException or ArgumentException)
                {
                    transient = true;
                    lastError = $"malformed response from {endpoint.Host}: {Brief(e.Message)}";
                }
                catch (Exception e) when (!ct.IsCancellationRequested && e is HttpRequestException or IOException or TaskCanceledException or TimeoutException)
                {
                    transient = true;
                    lastError = $"network error talking to {endpoint.Host}: {Brief(e.Message)}";
                }
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
                await Task.Delay(delay, ct);
            }
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
        if (request.JsonSchema is not null)
        {
            using var _ = JsonDocument.Parse(completion.Content);
        }
    }

    private async Task StoreAsync(string hash, SynthesizerProfile profile, LlmCompletion c, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.LlmResponses.Add(new LlmResponse
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
        });
        try
        {
            // Stored with CancellationToken.None: once paid for, the answer must not be lost to a cancel.
            await db.SaveChangesAsync(CancellationToken.None);
        }
        catch (DbUpdateException) when (Exists(hash))
        {
            // Another worker stored the same hash first; theirs stands.
        }
    }

    private bool Exists(string hash)
    {
        using var db = dbFactory.CreateDbContext();
        return db.LlmResponses.Any(r => r.RequestHash == hash);
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
