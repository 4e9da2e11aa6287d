using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;

namespace DeepFinance.LlmSim;

/// <summary>Serves <c>POST /v1/chat/completions</c>: limits, faults, latency, answer, JSON or SSE.</summary>
public sealed class ChatCompletionHandler
{
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    private readonly SimulatorOptions _options;
    private readonly SimulatorStats _stats;
    private readonly AnswerComposer _composer;
    private readonly IHostApplicationLifetime? _lifetime;

    public ChatCompletionHandler(SimulatorOptions options, SimulatorStats stats, AnswerComposer composer, IHostApplicationLifetime? lifetime = null)
    {
        _options = options;
        _stats = stats;
        _composer = composer;
        _lifetime = lifetime;
    }

    private enum Fault
    {
        None,
        RateLimit,
        ServerError,
        Hang,
        Truncated,
        Malformed,
    }

    /// <summary>Open when no key is required (standalone); otherwise the bearer key must match, compared in constant time.</summary>
    internal static bool KeyAccepted(HttpContext context, SimulatorOptions options)
    {
        if (!options.RequireApiKey && string.IsNullOrEmpty(options.ApiKey))
        {
            return true;
        }
        var header = context.Request.Headers.Authorization.ToString();
        const string Bearer = "Bearer ";
        if (string.IsNullOrEmpty(options.ApiKey) || !header.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        var given = System.Text.Encoding.UTF8.GetBytes(header[Bearer.Length..].Trim());
        var expected = System.Text.Encoding.UTF8.GetBytes(options.ApiKey);
        return System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(given, expected);
    }

    public async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var aborted = context.RequestAborted;
        if (!KeyAccepted(context, _options))
        {
            // Checked before the body is read: a caller without the key costs the server nothing.
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(ResponseJson.Error(
                "This simulator takes only its own key (Authorization: Bearer …).", "invalid_request_error", "invalid_api_key"), aborted);
            return;
        }
        byte[] body;
        using (var buffer = new MemoryStream())
        {
            try
            {
                await context.Request.Body.CopyToAsync(buffer, aborted);
            }
            catch (BadHttpRequestException e)
            {
                // Over the host's body limit (413) or a broken upload: say so, rather than fail as a server error.
                context.Response.StatusCode = e.StatusCode;
                return;
            }
            body = buffer.ToArray();
        }

        var options = _options;
        _stats.CountRequest(body);
        if (!_stats.TryEnter(options.MaxConcurrency))
        {
            _stats.CountRejected();
            await WriteRateLimitAsync(context, "Too many concurrent requests to the simulator; retry shortly.");
            return;
        }

        try
        {
            await ServeAsync(context, body, options, aborted);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away; nothing left to answer.
        }
        finally
        {
            _stats.Leave();
        }
    }

    private async Task ServeAsync(HttpContext context, byte[] body, SimulatorOptions options, CancellationToken aborted)
    {
        ChatRequest request;
        try
        {
            request = ChatRequest.Parse(body);
        }
        catch (FormatException ex)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, ex.Message, "invalid_request_error", "invalid_request");
            return;
        }

        var profile = ProviderProfile.Find(request.Model);
        if (profile is null)
        {
            await WriteErrorAsync(context, StatusCodes.Status404NotFound,
                $"The model '{request.Model}' does not exist. Known models: {string.Join(", ", ProviderProfile.All.Select(p => p.Model))}.",
                "invalid_request_error", "model_not_found");
            return;
        }

        if (profile.StreamingOnly && !request.Stream)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest,
                $"The model '{profile.Model}' only supports streaming output; set \"stream\": true.",
                "invalid_request_error", "invalid_parameter");
            return;
        }

        SimAnswer answer;
        try
        {
            answer = _composer.Compose(request, options);
        }
        catch (InvalidDataException ex)
        {
            await WriteErrorAsync(context, StatusCodes.Status500InternalServerError, ex.Message, "server_error", "simulator_config_error");
            return;
        }

        var fault = DrawFault(options);
        switch (fault)
        {
            case Fault.RateLimit:
                _stats.CountRejected();
                await WriteRateLimitAsync(context, "Rate limit reached (injected by the simulator); retry after 1 second.");
                return;
            case Fault.ServerError:
                _stats.CountFaulted();
                await WriteErrorAsync(context, StatusCodes.Status500InternalServerError,
                    "The server had an error while processing your request (injected by the simulator).", "server_error", "internal_error");
                return;
            case Fault.Hang:
                _stats.CountFaulted();
                await HangAsync(context, options, aborted);
                return;
        }

        context.Response.Headers["x-llmsim-mode"] = answer.Mode.ToString();
        var latency = DrawLatency(options);
        if (request.Stream)
        {
            await StreamAsync(context, request, profile, answer, fault, latency, options.TokensPerSecond, aborted);
        }
        else
        {
            if (latency > TimeSpan.Zero)
            {
                await Task.Delay(latency, aborted);
            }

            await RespondAsync(context, request, profile, answer, fault, aborted);
        }

        if (fault == Fault.None)
        {
            _stats.CountCompleted();
        }
        else
        {
            _stats.CountFaulted();
        }
    }

    private static async Task RespondAsync(HttpContext context, ChatRequest request, ProviderProfile profile, SimAnswer answer, Fault fault, CancellationToken aborted)
    {
        var id = NewId();
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        if (fault == Fault.Malformed)
        {
            var broken = $"{{\"id\":\"{id}\",\"object\":\"chat.completion\",\"created\":{created.ToString(CultureInfo.InvariantCulture)},\"choices\":[{{\"index\":0,\"message\":{{\"role\":\"assistant\",\"content\":\"{Escape(Half(answer.Content))}";
            await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(broken), aborted);
            return;
        }

        var shaped = Shape(request, profile, answer, cutContentInHalf: fault == Fault.Truncated);
        await context.Response.Body.WriteAsync(ResponseJson.Completion(id, created, request.Model, shaped), aborted);
    }

    private static async Task StreamAsync(
        HttpContext context, ChatRequest request, ProviderProfile profile, SimAnswer answer,
        Fault fault, TimeSpan latency, double tokensPerSecond, CancellationToken aborted)
    {
        var id = NewId();
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var shaped = Shape(request, profile, answer, cutContentInHalf: false);
        var pieces = Pieces(profile, shaped);

        // Half the latency before the first byte, the rest spread over the pieces.
        var firstDelay = latency / 2;
        var perPieceMs = pieces.Count == 0 ? 0 : (latency - firstDelay).TotalMilliseconds / pieces.Count;
        if (firstDelay > TimeSpan.Zero)
        {
            await Task.Delay(firstDelay, aborted);
        }

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        await response.StartAsync(aborted);

        await SendAsync(response, ResponseJson.Chunk(id, created, request.Model, "content", string.Empty, withRole: true, finishReason: null), aborted);

        var stopAt = fault == Fault.Truncated ? Math.Max(1, pieces.Count / 2) : pieces.Count;
        var brokenAt = fault == Fault.Malformed ? pieces.Count / 3 : -1;
        var debtMs = 0.0;
        for (var i = 0; i < stopAt; i++)
        {
            var (field, text) = pieces[i];
            debtMs += perPieceMs;
            if (tokensPerSecond > 0)
            {
                debtMs += Math.Max(1, TokenCounter.Count(text)) * 1000.0 / tokensPerSecond;
            }

            if (debtMs >= 2)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(debtMs), aborted);
                debtMs = 0;
            }

            if (i == brokenAt)
            {
                var broken = $"{{\"id\":\"{id}\",\"object\":\"chat.completion.chunk\",\"choices\":[{{\"index\":0,\"delta\":{{\"{field}\":\"{Escape(text)}";
                await SendAsync(response, Encoding.UTF8.GetBytes(broken), aborted);
                continue;
            }

            await SendAsync(response, ResponseJson.Chunk(id, created, request.Model, field, text, withRole: false, finishReason: null), aborted);
        }

        if (fault == Fault.Truncated)
        {
            // The connection just ends: no finish reason, no [DONE].
            return;
        }

        await SendAsync(response, ResponseJson.Chunk(id, created, request.Model, null, null, withRole: false, finishReason: shaped.FinishReason), aborted);
        if (request.IncludeUsage)
        {
            await SendAsync(response, ResponseJson.UsageChunk(id, created, request.Model, shaped.Usage), aborted);
        }

        await response.Body.WriteAsync(Done, aborted);
        await response.Body.FlushAsync(aborted);
    }

    private static async Task SendAsync(HttpResponse response, byte[] json, CancellationToken aborted)
    {
        await response.Body.WriteAsync(DataPrefix, aborted);
        await response.Body.WriteAsync(json, aborted);
        await response.Body.WriteAsync(EventEnd, aborted);
        await response.Body.FlushAsync(aborted);
    }

    private async Task HangAsync(HttpContext context, SimulatorOptions options, CancellationToken aborted)
    {
        using var linked = _lifetime is null
            ? CancellationTokenSource.CreateLinkedTokenSource(aborted)
            : CancellationTokenSource.CreateLinkedTokenSource(aborted, _lifetime.ApplicationStopping);
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(options.HangSeconds), linked.Token);
        }
        catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
        {
            // The host is stopping: answer now.
        }

        aborted.ThrowIfCancellationRequested();
        await WriteErrorAsync(context, StatusCodes.Status504GatewayTimeout,
            "The request timed out upstream (injected by the simulator).", "server_error", "timeout");
    }

    /// <summary>Applies the provider's shape, max_tokens and an optional cut, and counts tokens.</summary>
    public static ShapedAnswer Shape(ChatRequest request, ProviderProfile profile, SimAnswer answer, bool cutContentInHalf)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(answer);
        var reasoning = profile.Shape == ReasoningShape.None ? null : answer.Reasoning;
        var content = answer.Content;
        var finish = "stop";

        if (request.MaxTokens is int max)
        {
            var reasoningTokens = TokenCounter.Count(reasoning);
            if (reasoningTokens + TokenCounter.Count(content) > max)
            {
                finish = "length";
                if (reasoning is not null && reasoningTokens >= max)
                {
                    reasoning = TokenCounter.Truncate(reasoning, max);
                    content = string.Empty;
                }
                else
                {
                    content = TokenCounter.Truncate(content, max - reasoningTokens);
                }
            }
        }

        if (cutContentInHalf)
        {
            content = Half(content);
            finish = "length";
        }

        var usage = new SimUsage(
            request.Messages.Sum(m => TokenCounter.Count(m.Content) + 4),
            TokenCounter.Count(reasoning) + TokenCounter.Count(content),
            TokenCounter.Count(reasoning));

        return profile.Shape switch
        {
            ReasoningShape.ReasoningContent => new ShapedAnswer(reasoning, null, content, finish, usage),
            ReasoningShape.ReasoningField => new ShapedAnswer(null, reasoning, content, finish, usage),
            ReasoningShape.InlineThink when !string.IsNullOrEmpty(reasoning) =>
                new ShapedAnswer(null, null, $"<think>\n{reasoning}\n</think>\n\n{content}", finish, usage),
            _ => new ShapedAnswer(null, null, content, finish, usage),
        };
    }

    /// <summary>The streamed pieces: reasoning deltas first, then content deltas.</summary>
    public static IReadOnlyList<(string Field, string Text)> Pieces(ProviderProfile profile, ShapedAnswer shaped)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(shaped);
        var pieces = new List<(string, string)>();
        if (shaped.ReasoningContent is { Length: > 0 } rc)
        {
            pieces.AddRange(Split(rc, []).Select(t => ("reasoning_content", t)));
        }

        if (shaped.Reasoning is { Length: > 0 } r)
        {
            pieces.AddRange(Split(r, []).Select(t => ("reasoning", t)));
        }

        // Cut inside the think tags on purpose, as real servers may: "<th" | "ink>" and "</th" | "ink>".
        var cuts = new HashSet<int>();
        if (profile.Shape == ReasoningShape.InlineThink)
        {
            var open = shaped.Content.IndexOf("<think>", StringComparison.Ordinal);
            if (open >= 0)
            {
                cuts.Add(open + 3);
            }

            var close = shaped.Content.IndexOf("</think>", StringComparison.Ordinal);
            if (close >= 0)
            {
                cuts.Add(close + 4);
            }
        }

        pieces.AddRange(Split(shaped.Content, cuts).Select(t => ("content", t)));
        return pieces;
    }

    private static List<string> Split(string text, HashSet<int> cuts)
    {
        const int Size = 8;
        var result = new List<string>();
        var start = 0;
        for (var i = 1; i <= text.Length; i++)
        {
            var atEnd = i == text.Length;
            var cut = atEnd || i - start >= Size || cuts.Contains(i);
            if (cut && !atEnd && char.IsLowSurrogate(text[i]))
            {
                continue;
            }

            if (cut)
            {
                result.Add(text[start..i]);
                start = i;
            }
        }

        return result;
    }

    private static Fault DrawFault(SimulatorOptions options)
    {
        var draw = Random.Shared.NextDouble();
        var edge = options.Rate429;
        if (draw < edge)
        {
            return Fault.RateLimit;
        }

        edge += options.Rate500;
        if (draw < edge)
        {
            return Fault.ServerError;
        }

        edge += options.RateHang;
        if (draw < edge)
        {
            return Fault.Hang;
        }

        edge += options.RateTruncated;
        if (draw < edge)
        {
            return Fault.Truncated;
        }

        edge += options.RateMalformed;
        return draw < edge ? Fault.Malformed : Fault.None;
    }

    /// <summary>A lognormal draw around the median; zero when the median is zero.</summary>
    private static TimeSpan DrawLatency(SimulatorOptions options)
    {
        if (options.LatencyMedianMs <= 0)
        {
            return TimeSpan.Zero;
        }

        var u1 = 1.0 - Random.Shared.NextDouble();
        var u2 = Random.Shared.NextDouble();
        var normal = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
        var ms = options.LatencyMedianMs * Math.Exp(options.LatencySpread * normal);
        return TimeSpan.FromMilliseconds(Math.Min(ms, options.LatencyMedianMs * 50));
    }

    private static async Task WriteRateLimitAsync(HttpContext context, string message)
    {
        context.Response.Headers.RetryAfter = "1";
        await WriteErrorAsync(context, StatusCodes.Status429TooManyRequests, message, "rate_limit_error", "rate_limit_exceeded");
    }

    private static async Task WriteErrorAsync(HttpContext context, int status, string message, string type, string? code)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(ResponseJson.Error(message, type, code), context.RequestAborted);
    }

    private static string NewId() => "chatcmpl-" + Guid.NewGuid().ToString("N");

    private static string Half(string text)
    {
        var half = text.Length / 2;
        if (half > 0 && half < text.Length && char.IsLowSurrogate(text[half]))
        {
            half--;
        }

        return text[..half];
    }

    private static string Escape(string text) =>
        System.Text.Json.JsonEncodedText.Encode(text, System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString();
}
