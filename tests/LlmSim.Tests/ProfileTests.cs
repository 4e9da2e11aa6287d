using System.Net;
using System.Text.Json.Nodes;

namespace DeepFinance.LlmSim.Tests;

public sealed class ProfileTests : IAsyncLifetime
{
    private const string Question = "A bond pays a coupon of $2.00 per period. What is the coupon?";
    private readonly TempFiles _files = new();
    private SimulatorHost _host = null!;
    private SimClient _client = null!;

    public async Task InitializeAsync()
    {
        var oracle = _files.Write("oracle.jsonl", $$"""{"question":"{{Question}}","answer":"$2.00"}""");
        _host = await SimulatorHost.StartAsync(new SimulatorOptions { OracleFile = oracle, CorrectProbability = 1, LatencyMedianMs = 0 });
        _client = new SimClient(_host.BaseUrl);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _host.DisposeAsync();
        _files.Dispose();
    }

    [Theory]
    [InlineData("simulator")]
    [InlineData("deepseek-r1")]
    public async Task ReasoningContentProfilesPutReasoningInReasoningContent(string model)
    {
        var json = await _client.CompleteAsync(SimClient.Body(model, Question));
        Assert.Equal("chat.completion", (string?)json["object"]);
        Assert.Equal(model, (string?)json["model"]);
        var message = json["choices"]![0]!["message"]!.AsObject();
        Assert.Equal("assistant", (string?)message["role"]);
        Assert.EndsWith("The answer is $2.00.", (string?)message["content"], StringComparison.Ordinal);
        Assert.Contains("1.", (string?)message["reasoning_content"], StringComparison.Ordinal);
        Assert.False(message.ContainsKey("reasoning"));
        Assert.Equal("stop", (string?)json["choices"]![0]!["finish_reason"]);
        AssertUsage(json["usage"]!.AsObject(), expectReasoning: true);
    }

    [Fact]
    public async Task ReasoningFieldProfileUsesReasoning()
    {
        var json = await _client.CompleteAsync(SimClient.Body("reasoning-field", Question));
        var message = json["choices"]![0]!["message"]!.AsObject();
        Assert.False(string.IsNullOrEmpty((string?)message["reasoning"]));
        Assert.False(message.ContainsKey("reasoning_content"));
        Assert.EndsWith("The answer is $2.00.", (string?)message["content"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThinkInlineProfilePutsReasoningInContent()
    {
        var json = await _client.CompleteAsync(SimClient.Body("think-inline", Question));
        var message = json["choices"]![0]!["message"]!.AsObject();
        var content = (string?)message["content"];
        Assert.StartsWith("<think>\n", content, StringComparison.Ordinal);
        Assert.Contains("</think>", content, StringComparison.Ordinal);
        Assert.EndsWith("The answer is $2.00.", content, StringComparison.Ordinal);
        Assert.False(message.ContainsKey("reasoning_content"));
        Assert.False(message.ContainsKey("reasoning"));
    }

    [Fact]
    public async Task PlainProfileHasNoReasoning()
    {
        var json = await _client.CompleteAsync(SimClient.Body("plain", Question));
        var message = json["choices"]![0]!["message"]!.AsObject();
        Assert.EndsWith("The answer is $2.00.", (string?)message["content"], StringComparison.Ordinal);
        Assert.DoesNotContain("<think>", (string?)message["content"], StringComparison.Ordinal);
        Assert.False(message.ContainsKey("reasoning_content"));
        Assert.False(message.ContainsKey("reasoning"));
        AssertUsage(json["usage"]!.AsObject(), expectReasoning: false);
    }

    [Fact]
    public async Task QwqPlusRefusesNonStreamingRequests()
    {
        using var response = await _client.PostAsync(SimClient.Body("qwq-plus", Question));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        Assert.Equal("invalid_request_error", (string?)error["type"]);
        Assert.Contains("stream", (string?)error["message"], StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("simulator")]
    [InlineData("deepseek-r1")]
    [InlineData("qwq-plus")]
    public async Task StreamingSendsReasoningContentThenContent(string model)
    {
        var result = await _client.StreamAsync(SimClient.Body(model, Question, stream: true));
        Assert.True(result.Done);
        Assert.NotEmpty(result.ReasoningContent);
        Assert.Empty(result.Reasoning);
        Assert.EndsWith("The answer is $2.00.", result.Content, StringComparison.Ordinal);
        Assert.Equal("stop", result.FinishReason);
        Assert.NotNull(result.Usage);
        AssertUsage(result.Usage!, expectReasoning: true);

        // Every reasoning delta comes before the first content delta.
        var kinds = result.Events.Where(e => e != "[DONE]")
            .Select(e => JsonNode.Parse(e)!["choices"]!.AsArray())
            .Where(c => c.Count > 0)
            .Select(c => c[0]!["delta"]!.AsObject())
            .Select(d => d.ContainsKey("reasoning_content") ? 'r' : (string?)d["content"] is { Length: > 0 } ? 'c' : '-')
            .Where(k => k != '-')
            .ToList();
        Assert.True(kinds.LastIndexOf('r') < kinds.IndexOf('c'));
    }

    [Fact]
    public async Task StreamingReasoningFieldUsesDeltaReasoning()
    {
        var result = await _client.StreamAsync(SimClient.Body("reasoning-field", Question, stream: true));
        Assert.True(result.Done);
        Assert.NotEmpty(result.Reasoning);
        Assert.Empty(result.ReasoningContent);
        Assert.EndsWith("The answer is $2.00.", result.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StreamingThinkInlineSplitsTheTags()
    {
        var result = await _client.StreamAsync(SimClient.Body("think-inline", Question, stream: true));
        Assert.True(result.Done);
        Assert.StartsWith("<think>", result.Content, StringComparison.Ordinal);
        Assert.Contains("</think>", result.Content, StringComparison.Ordinal);
        Assert.DoesNotContain(result.ContentPieces, p => p.Contains("<think>", StringComparison.Ordinal));
        Assert.DoesNotContain(result.ContentPieces, p => p.Contains("</think>", StringComparison.Ordinal));
        Assert.EndsWith("The answer is $2.00.", result.Content, StringComparison.Ordinal);
        Assert.Empty(result.ReasoningContent);
    }

    [Fact]
    public async Task StreamingPlainHasOnlyContent()
    {
        var result = await _client.StreamAsync(SimClient.Body("plain", Question, stream: true));
        Assert.True(result.Done);
        Assert.Empty(result.ReasoningContent);
        Assert.Empty(result.Reasoning);
        Assert.EndsWith("The answer is $2.00.", result.Content, StringComparison.Ordinal);
        Assert.Equal(0, (int)result.Usage!["completion_tokens_details"]!["reasoning_tokens"]!);
    }

    [Fact]
    public async Task StreamingWithoutIncludeUsageSendsNoUsageChunk()
    {
        using var response = await _client.PostAsync(SimClient.Body("simulator", Question, extra: """{"stream":true}"""));
        var result = StreamResult.From(await SimClient.ReadEventsAsync(response));
        Assert.True(result.Done);
        Assert.Null(result.Usage);
    }

    [Fact]
    public async Task UnknownModelIs404WithOpenAiError()
    {
        using var response = await _client.PostAsync(SimClient.Body("gpt-9", Question));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        Assert.Equal("model_not_found", (string?)error["code"]);
        Assert.Equal("invalid_request_error", (string?)error["type"]);
        Assert.False(string.IsNullOrEmpty((string?)error["message"]));
    }

    [Fact]
    public async Task ModelsListsEveryProfile()
    {
        var json = JsonNode.Parse(await _client.Http.GetStringAsync(new Uri("v1/models", UriKind.Relative)))!;
        Assert.Equal("list", (string?)json["object"]);
        var ids = json["data"]!.AsArray().Select(m => (string?)m!["id"]).ToList();
        Assert.Equal(["simulator", "deepseek-r1", "qwq-plus", "reasoning-field", "think-inline", "plain"], ids);
        Assert.All(json["data"]!.AsArray(), m => Assert.Equal("llmsim", (string?)m!["owned_by"]));
    }

    [Fact]
    public async Task MaxTokensCutsTheAnswerWithFinishReasonLength()
    {
        var json = await _client.CompleteAsync(SimClient.Body("plain", Question, extra: """{"max_tokens":3,"temperature":0.2,"response_format":{"type":"text"}}"""));
        Assert.Equal("length", (string?)json["choices"]![0]!["finish_reason"]);
        Assert.True((int)json["usage"]!["completion_tokens"]! <= 3);
    }

    [Fact]
    public async Task InvalidJsonBodyIs400()
    {
        using var response = await _client.PostAsync("{not json");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private static void AssertUsage(JsonObject usage, bool expectReasoning)
    {
        var prompt = (int)usage["prompt_tokens"]!;
        var completion = (int)usage["completion_tokens"]!;
        var reasoning = (int)usage["completion_tokens_details"]!["reasoning_tokens"]!;
        Assert.True(prompt > 0);
        Assert.Equal(prompt + completion, (int)usage["total_tokens"]!);
        Assert.True(completion > reasoning, "completion tokens include reasoning plus the content");
        Assert.Equal(expectReasoning, reasoning > 0);
    }
}
