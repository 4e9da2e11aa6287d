using System.ClientModel;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;
using DeepFinance.Core.Data;
using DeepFinance.Core.Privacy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace DeepFinance.Core.Llm;

/// <summary>What one test request found: latency, how the reasoning arrived, or what went wrong in plain words.</summary>
public sealed record SynthesizerTestResult(bool Ok, int LatencyMs, string? ReasoningFormat, string? Error);

/// <summary>
/// "Test connection": ONE tiny request to the endpoint — not through the response store (a test must
/// really call the endpoint, and its answer is not kept) and without our retries, but through the
/// privacy gate of <see cref="ChatEndpointClient"/> like every other call.
/// Errors are said in plain words and never contain the key.
/// </summary>
public sealed class SynthesizerTester(
    SynthesizerCatalog catalog,
    ChatEndpointClient endpointClient,
    IDbContextFactory<DeepFinanceDbContext> dbFactory,
    QuestionProvenance provenance,
    ILogger<SynthesizerTester> logger)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public const string Purpose = "connection-test";

    /// <summary>Our own fixed probe text: public, so it may go to any synthesizer.</summary>
    public const string Probe = "Connection test. Reply with the single word OK.";

    /// <summary>Tests with the fixed probe.</summary>
    public Task<SynthesizerTestResult> TestAsync(string name, CancellationToken ct = default) =>
        TestAsync(name, _ => Task.FromResult<(string, RequestProvenance)?>((Probe, RequestProvenance.Public)), ct);

    /// <summary>
    /// Tests with a real question's text, to see how the endpoint copes with the pool's material. The request
    /// carries the question's provenance from its lineage, so a raw-derived question is refused for an external synthesizer.
    /// </summary>
    public Task<SynthesizerTestResult> TestWithQuestionAsync(string name, long questionId, CancellationToken ct = default) =>
        TestAsync(name, async token =>
        {
            await using var db = await dbFactory.CreateDbContextAsync(token);
            var text = await db.Questions.AsNoTracking().Where(q => q.Id == questionId).Select(q => q.Text).FirstOrDefaultAsync(token);
            return text is null ? null : (text, await provenance.OfAsync(questionId, token));
        }, ct, $"No question with id {questionId}.");

    private async Task<SynthesizerTestResult> TestAsync(string name, Func<CancellationToken, Task<(string Text, RequestProvenance Provenance)?>> probe,
        CancellationToken ct, string? probeMissing = null)
    {
        SynthesizerProfile? profile;
        try
        {
            profile = await catalog.FindAsync(name, ct);
        }
        catch (InvalidOperationException e)
        {
            return new SynthesizerTestResult(false, 0, null, e.Message);
        }
        if (profile is null)
        {
            return new SynthesizerTestResult(false, 0, null, $"No synthesizer named '{name}'.");
        }

        Uri endpoint;
        try
        {
            endpoint = catalog.ResolveEndpoint(profile);
        }
        catch (Exception e) when (e is InvalidOperationException or UriFormatException)
        {
            return new SynthesizerTestResult(false, 0, null, Scrub(e.Message, profile.ApiKey));
        }

        if (await probe(ct) is not { } content)
        {
            return new SynthesizerTestResult(false, 0, null, probeMissing);
        }
        // Reasoning models think before they answer; a small budget is enough to see where the reasoning goes.
        var request = new LlmRequest(profile.Name, [ChatMessage.User(content.Text)],
            SampleIndex: 0, SamplingSalt: "connection-test-" + Guid.NewGuid().ToString("N"), Purpose, content.Provenance,
            Temperature: 0, MaxTokens: Math.Min(profile.MaxTokens, 256));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Timeout);
        var clock = Stopwatch.StartNew();
        try
        {
            var completion = await endpointClient.CompleteAsync(endpoint, profile, request, timeout.Token);
            var format = completion.ReasoningFormat;
            if (format == ReasoningFormats.None && completion.Content.Contains("<think>", StringComparison.OrdinalIgnoreCase))
            {
                format = ReasoningFormats.ThinkTags;
            }
            return new SynthesizerTestResult(true, (int)clock.ElapsedMilliseconds, format, null);
        }
        catch (EndpointNotAllowedException e)
        {
            // Said the same whether the host is up, down or closed: the test is not a port scanner.
            logger.LogInformation("Connection test of synthesizer {Synthesizer} refused by the endpoint allow-list", profile.Name);
            return new SynthesizerTestResult(false, 0, null, e.Message);
        }
        catch (PrivacyGateException e)
        {
            logger.LogInformation("Connection test of synthesizer {Synthesizer} refused by the privacy gate", profile.Name);
            return new SynthesizerTestResult(false, 0, null, e.Message);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            var message = Scrub(Describe(e, endpoint, profile, timeout.IsCancellationRequested), profile.ApiKey);
            logger.LogInformation("Connection test of synthesizer {Synthesizer} failed: {Error}", profile.Name, message);
            return new SynthesizerTestResult(false, (int)clock.ElapsedMilliseconds, null, message);
        }
    }

    internal static string Describe(Exception e, Uri endpoint, SynthesizerProfile profile, bool timedOut)
    {
        var host = endpoint.IsDefaultPort ? endpoint.Host : $"{endpoint.Host}:{endpoint.Port}";
        if (timedOut && e is OperationCanceledException or TimeoutException)
        {
            return $"no answer from {host} within {Timeout.TotalSeconds:0} seconds";
        }
        if (Find<SocketException>(e) is { } socket)
        {
            return socket.SocketErrorCode is SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain
                ? $"could not find host {endpoint.Host} (DNS lookup failed)"
                : $"could not connect to {host} ({socket.SocketErrorCode})";
        }
        if (e is ClientResultException { Status: > 0 } http)
        {
            var detail = ErrorDetail(http);
            var status = http.Status;
            var said = detail is null ? "" : $" (the server said: {detail})";
            return status switch
            {
                401 or 403 => $"HTTP {status} from {host}: the API key was refused{said}",
                404 when IsModelNotFound(http, detail) => $"HTTP 404 from {host}: model not found — the endpoint does not serve '{profile.Model}'{said}",
                404 => $"HTTP 404 from {host}: nothing answers at {endpoint.AbsolutePath} — check the base URL (it usually ends in /v1){said}",
                429 => $"HTTP 429 from {host}: rate limited or out of quota{said}",
                400 => $"HTTP 400 from {host}: the endpoint refused the request{said}",
                >= 500 => $"HTTP {status} from {host}: the server failed{said}",
                _ => $"HTTP {status} from {host}{said}",
            };
        }
        if (Find<HttpRequestException>(e) is { } network)
        {
            return $"could not connect to {host}: {Brief(network.Message)}";
        }
        if (e is MalformedResponseException or JsonException or FormatException or InvalidOperationException or ArgumentException)
        {
            return $"{host} answered, but not as an OpenAI-compatible chat endpoint: {Brief(e.Message)}";
        }
        return $"the test request to {host} failed: {Brief(e.Message)}";
    }

    private static bool IsModelNotFound(ClientResultException e, string? detail)
    {
        var code = ErrorField(e, "code");
        return code is "model_not_found" || (detail?.Contains("model", StringComparison.OrdinalIgnoreCase) ?? false);
    }

    private static string? ErrorDetail(ClientResultException e) => ErrorField(e, "message") is { } m ? Brief(m) : null;

    private static string? ErrorField(ClientResultException e, string field)
    {
        try
        {
            var body = e.GetRawResponse()?.Content?.ToString();
            if (string.IsNullOrWhiteSpace(body))
            {
                return null;
            }
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object
                && error.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String
                ? value.GetString()
                : null;
        }
        catch (Exception x) when (x is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    private static T? Find<T>(Exception? e) where T : Exception
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is T t)
            {
                return t;
            }
        }
        return null;
    }

    /// <summary>An endpoint may echo the key back in its error; it never leaves this method.</summary>
    internal static string Scrub(string message, string? key)
    {
        if (!string.IsNullOrEmpty(key) && key.Length >= 4)
        {
            message = message.Replace(key, "***", StringComparison.Ordinal);
        }
        return message;
    }

    private static string Brief(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        return line.Length > 300 ? line[..300] + "…" : line;
    }
}
