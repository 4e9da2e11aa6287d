using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeepFinance.LlmSim.Tests;

/// <summary>Stats, the concurrency limit, injected faults, scripted replies and run-time settings.</summary>
public sealed class RuntimeTests : IAsyncLifetime
{
    private readonly TempFiles _files = new();
    private SimulatorHost _host = null!;
    private SimClient _client = null!;

    public async Task InitializeAsync()
    {
        var script = _files.Write("script.jsonl",
            """{"match":{"contains":"Extract the figures","model":"plain"},"content":"{\"revenue\":120,\"unit\":\"million\"}"}""",
            """{"match":{"contains":"Extract the figures"},"content":"{\"revenue\":100}","reasoning":"Read the table first."}""",
            """{"match":{"contains":"Classify this"},"content":{"task_type":"Math"}}""");
        _host = await SimulatorHost.StartAsync(new SimulatorOptions { ScriptFile = script, LatencyMedianMs = 0 });
        _client = new SimClient(_host.BaseUrl);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _host.DisposeAsync();
        _files.Dispose();
    }

    [Fact]
    public async Task StatsCountRequestsDuplicatesAndReset()
    {
        await _client.PostJsonAsync("stats/reset", "{}");
        var body = SimClient.Body("simulator", "hello");
        await _client.CompleteAsync(body);
        await _client.CompleteAsync(body);
        await _client.CompleteAsync(SimClient.Body("simulator", "hello", seed: 1));
        using (var notFound = await _client.PostAsync(SimClient.Body("nope", "hello")))
        {
            Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        }

        var stats = await _client.StatsAsync();
        Assert.Equal(4, (int)stats["requests"]!);
        Assert.Equal(3, (int)stats["completed"]!);
        Assert.Equal(1, (int)stats["duplicateBodies"]!);
        Assert.Equal(0, (int)stats["rejected"]!);
        Assert.Equal(0, (int)stats["faulted"]!);
        Assert.Equal(0, (int)stats["inFlight"]!);
        Assert.Equal(1, (int)stats["maxInFlight"]!);
        Assert.Equal(4, _host.Stats.Requests);

        using var reset = await _client.PostJsonAsync("stats/reset", "{}");
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        stats = await _client.StatsAsync();
        Assert.All(["requests", "completed", "rejected", "faulted", "inFlight", "maxInFlight", "duplicateBodies"],
            name => Assert.Equal(0, (int)stats[name]!));

        // Bodies seen before the reset are forgotten.
        await _client.CompleteAsync(body);
        Assert.Equal(0, (int)(await _client.StatsAsync())["duplicateBodies"]!);
    }

    [Fact]
    public async Task ConcurrencyLimitAnswers429WithRetryAfter()
    {
        var options = _host.Options;
        options.MaxConcurrency = 1;
        options.LatencyMedianMs = 1500;
        options.LatencySpread = 0;
        try
        {
            _host.Stats.Reset();
            var slow = _client.PostAsync(SimClient.Body("simulator", "slow one"));
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (_host.Stats.InFlight < 1 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10);
            }

            using (var rejected = await _client.PostAsync(SimClient.Body("simulator", "fast one")))
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, rejected.StatusCode);
                Assert.Equal(TimeSpan.FromSeconds(1), rejected.Headers.RetryAfter?.Delta);
                var error = JsonNode.Parse(await rejected.Content.ReadAsStringAsync())!["error"]!;
                Assert.Equal("rate_limit_exceeded", (string?)error["code"]);
            }

            using (var first = await slow)
            {
                Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            }

            Assert.Equal(1, _host.Stats.Rejected);
            Assert.Equal(1, _host.Stats.Completed);
            Assert.Equal(1, _host.Stats.MaxInFlight);
        }
        finally
        {
            options.MaxConcurrency = 64;
            options.LatencyMedianMs = 0;
            options.LatencySpread = 0.5;
        }
    }

    [Fact]
    public async Task InjectedFaultsAreServedAndCounted()
    {
        _host.Stats.Reset();
        var body = SimClient.Body("simulator", "anything");
        try
        {
            _host.Options.Rate500 = 1;
            using (var error = await _client.PostAsync(body))
            {
                Assert.Equal(HttpStatusCode.InternalServerError, error.StatusCode);
                Assert.Equal("server_error", (string?)JsonNode.Parse(await error.Content.ReadAsStringAsync())!["error"]!["type"]);
            }

            _host.Options.Rate500 = 0;
            _host.Options.Rate429 = 1;
            using (var limited = await _client.PostAsync(body))
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
                Assert.Equal(TimeSpan.FromSeconds(1), limited.Headers.RetryAfter?.Delta);
            }

            _host.Options.Rate429 = 0;
            _host.Options.RateMalformed = 1;
            using (var malformed = await _client.PostAsync(body))
            {
                Assert.Equal(HttpStatusCode.OK, malformed.StatusCode);
                var text = await malformed.Content.ReadAsStringAsync();
                Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(text));
            }

            using (var malformedStream = await _client.PostAsync(SimClient.Body("simulator", "anything", stream: true)))
            {
                var events = await SimClient.ReadEventsAsync(malformedStream);
                Assert.Contains(events, e => e != "[DONE]" && !IsJson(e));
            }

            _host.Options.RateMalformed = 0;
            _host.Options.RateTruncated = 1;
            var truncated = await _client.CompleteAsync(body);
            Assert.Equal("length", (string?)truncated["choices"]![0]!["finish_reason"]);
            Assert.Equal("I cannot det", (string?)truncated["choices"]![0]!["message"]!["content"]);

            using (var truncatedStream = await _client.PostAsync(SimClient.Body("simulator", "anything", stream: true)))
            {
                var events = await SimClient.ReadEventsAsync(truncatedStream);
                Assert.NotEmpty(events);
                Assert.DoesNotContain("[DONE]", events);
                Assert.Null(StreamResult.From(events).FinishReason);
            }

            _host.Options.RateTruncated = 0;
            _host.Options.RateHang = 1;
            _host.Options.HangSeconds = 0.2;
            using (var hang = await _client.PostAsync(body))
            {
                Assert.Equal(HttpStatusCode.GatewayTimeout, hang.StatusCode);
            }
        }
        finally
        {
            _host.Options.CopyFrom(new SimulatorOptions { ScriptFile = _host.Options.ScriptFile, LatencyMedianMs = 0 });
        }

        Assert.Equal(1, _host.Stats.Rejected);
        Assert.Equal(6, _host.Stats.Faulted);
        Assert.Equal(0, _host.Stats.Completed);
        Assert.Equal(7, _host.Stats.Requests);
    }

    [Fact]
    public async Task AHangingRequestEndsWhenTheClientGivesUp()
    {
        _host.Stats.Reset();
        _host.Options.RateHang = 1;
        _host.Options.HangSeconds = 30;
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _client.PostAsync(SimClient.Body("simulator", "hang"), cts.Token));
            var deadline = DateTime.UtcNow.AddSeconds(5);
            while (_host.Stats.InFlight > 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }

            Assert.Equal(0, _host.Stats.InFlight);
            Assert.Equal(1, _host.Stats.Faulted);
        }
        finally
        {
            _host.Options.RateHang = 0;
        }
    }

    [Fact]
    public async Task StreamingIsPacedByLatencyAndTokensPerSecond()
    {
        _host.Options.TokensPerSecond = 400;
        _host.Options.LatencyMedianMs = 100;
        _host.Options.LatencySpread = 0;
        try
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var result = await _client.StreamAsync(SimClient.Body("simulator", "pace me", stream: true));
            watch.Stop();
            Assert.True(result.Done);
            var tokens = (int)result.Usage!["completion_tokens"]!;
            var expectedMs = 100 + (tokens * 1000.0 / 400);
            Assert.True(watch.Elapsed.TotalMilliseconds >= expectedMs * 0.8, $"{watch.Elapsed.TotalMilliseconds} ms < {expectedMs} ms");
        }
        finally
        {
            _host.Options.TokensPerSecond = 0;
            _host.Options.LatencyMedianMs = 0;
            _host.Options.LatencySpread = 0.5;
        }
    }

    [Fact]
    public async Task ConfigEndpointChangesSettingsAtRunTime()
    {
        var current = JsonNode.Parse(await _client.Http.GetStringAsync(new Uri("config", UriKind.Relative)))!;
        Assert.Equal(0.7, (double)current["correctProbability"]!);
        Assert.Equal(64, (int)current["maxConcurrency"]!);

        try
        {
            using (var set = await _client.PostJsonAsync("config", """{"rate500":1,"HangSeconds":3}"""))
            {
                Assert.Equal(HttpStatusCode.OK, set.StatusCode);
                var updated = JsonNode.Parse(await set.Content.ReadAsStringAsync())!;
                Assert.Equal(1.0, (double)updated["rate500"]!);
                Assert.Equal(0.7, (double)updated["correctProbability"]!);
            }

            Assert.Equal(1.0, _host.Options.Rate500);
            Assert.Equal(3.0, _host.Options.HangSeconds);
            using (var error = await _client.PostAsync(SimClient.Body("simulator", "config test")))
            {
                Assert.Equal(HttpStatusCode.InternalServerError, error.StatusCode);
            }

            using (var bad = await _client.PostJsonAsync("config", """{"rate500":2}"""))
            {
                Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            }

            using (var unknown = await _client.PostJsonAsync("config", """{"noSuchSetting":1}"""))
            {
                Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
            }

            Assert.Equal(1.0, _host.Options.Rate500);
        }
        finally
        {
            using var back = await _client.PostJsonAsync("config", """{"rate500":0,"hangSeconds":30}""");
            Assert.Equal(HttpStatusCode.OK, back.StatusCode);
        }
    }

    [Fact]
    public async Task ScriptedRepliesMatchOnTextAndModel()
    {
        var plain = await _client.CompleteAsync(SimClient.Body("plain", "Extract the figures from: revenue 120m"));
        Assert.Equal("""{"revenue":120,"unit":"million"}""", (string?)plain["choices"]![0]!["message"]!["content"]);

        var deepseek = await _client.CompleteAsync(SimClient.Body("deepseek-r1", "Extract the figures from: revenue 100m"));
        var message = deepseek["choices"]![0]!["message"]!;
        Assert.Equal("""{"revenue":100}""", (string?)message["content"]);
        Assert.Equal("Read the table first.", (string?)message["reasoning_content"]);
        using (var doc = JsonDocument.Parse((string)message["content"]!))
        {
            Assert.Equal(100, doc.RootElement.GetProperty("revenue").GetInt32());
        }

        var inline = await _client.CompleteAsync(SimClient.Body("think-inline", "Extract the figures please"));
        Assert.Equal("<think>\nRead the table first.\n</think>\n\n{\"revenue\":100}", (string?)inline["choices"]![0]!["message"]!["content"]);

        var objectContent = await _client.CompleteAsync(SimClient.Body("simulator", "Classify this question"));
        Assert.Equal("""{"task_type":"Math"}""", (string?)objectContent["choices"]![0]!["message"]!["content"]);

        var streamed = await _client.StreamAsync(SimClient.Body("qwq-plus", "Extract the figures now", stream: true));
        Assert.Equal("""{"revenue":100}""", streamed.Content);
        Assert.Equal("Read the table first.", streamed.ReasoningContent);

        var none = await _client.CompleteAsync(SimClient.Body("simulator", "Something else entirely"));
        Assert.Equal("I cannot determine this.", (string?)none["choices"]![0]!["message"]!["content"]);
    }

    private static bool IsJson(string text)
    {
        try
        {
            using var _ = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
