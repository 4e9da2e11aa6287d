using System.Text.Json.Nodes;

namespace DeepFinance.LlmSim.Tests;

/// <summary>Self-correction support: reflections recognised by their tag, leak rate, and rewrites fixed through the oracle.</summary>
public sealed class ScrTests : IAsyncLifetime
{
    private const string Question = "How much cash is needed in the first year?";
    private readonly TempFiles _files = new();
    private SimulatorHost _host = null!;
    private SimClient _client = null!;

    public async Task InitializeAsync()
    {
        var oracle = _files.Write("oracle.jsonl", new JsonObject { ["question"] = Question, ["answer"] = "30000" }.ToJsonString());
        _host = await SimulatorHost.StartAsync(new SimulatorOptions { OracleFile = oracle, LatencyMedianMs = 0 });
        _client = new SimClient(_host.BaseUrl);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _host.DisposeAsync();
        _files.Dispose();
    }

    private static string Body(string system, string user, int seed) => new JsonObject
    {
        ["model"] = "simulator",
        ["seed"] = seed,
        ["messages"] = new JsonArray(
            new JsonObject { ["role"] = "system", ["content"] = system },
            new JsonObject { ["role"] = "user", ["content"] = user }),
    }.ToJsonString();

    private async Task<(string Content, string Mode)> AskAsync(string body)
    {
        using var response = await _client.PostAsync(body);
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return ((string)json["choices"]![0]!["message"]!["content"]!, response.Headers.GetValues("x-llmsim-mode").Single());
    }

    [Fact]
    public async Task Scr_reflection_is_a_critique_that_never_leaks_at_leak_rate_zero_and_always_leaks_at_one()
    {
        _host.Options.ScrLeakRate = 0;
        for (var seed = 0; seed < 5; seed++)
        {
            var (content, mode) = await AskAsync(Body("[scr:reflect]\nReviewer.", $"Question:\n{Question}\nThe attempt: 3000", seed));
            Assert.Equal("ScrReflection", mode);
            Assert.DoesNotContain("30000", content, StringComparison.Ordinal);
        }
        _host.Options.ScrLeakRate = 1;
        var (leaky, _) = await AskAsync(Body("[scr:reflect]\nReviewer.", $"Question:\n{Question}\nThe attempt: 3000", 9));
        Assert.Contains("30000", leaky, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scr_rewrite_reaches_the_oracle_answer_at_fix_rate_one_and_misses_at_zero()
    {
        _host.Options.ScrFixRate = 1;
        var (fixedContent, fixedMode) = await AskAsync(Body("[scr:rewrite]\nAnalyst.", $"{Question}\nEarlier thinking: … 3000", 1));
        Assert.Equal("ScrRewriteFixed", fixedMode);
        Assert.Equal("30000", OracleTests.FinalAnswer(fixedContent));
        _host.Options.ScrFixRate = 0;
        var (missed, missedMode) = await AskAsync(Body("[scr:rewrite]\nAnalyst.", $"{Question}\nEarlier thinking: … 3000", 1));
        Assert.Equal("OracleWrong", missedMode);
        Assert.NotEqual("30000", OracleTests.FinalAnswer(missed));
    }
}
