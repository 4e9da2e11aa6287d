using System.Text.Json.Nodes;

namespace DeepFinance.LlmSim.Tests;

/// <summary>The extract step (<c>[extract:qa]</c>) answered from the passage in the prompt, and the one repair request (<c>[json:repair]</c>).</summary>
public sealed class ExtractAndRepairTests : IAsyncLifetime
{
    private const string Passage = "年末不良贷款率为 1.12%，拨备覆盖率为 245%。银行坚持审慎经营。资本充足率为 13.6%。";
    private SimulatorHost _host = null!;
    private SimClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await SimulatorHost.StartAsync(new SimulatorOptions
        {
            LatencyMedianMs = 0, DeriveMalformedRate = 0, DeriveMissingFieldRate = 0, DeriveIdenticalRate = 0, ExtractUnsupportedRate = 0, RepairFailRate = 0,
            CorrectProbability = 1,
        });
        _client = new SimClient(_host.BaseUrl);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _host.DisposeAsync();
    }

    private static JsonArray Messages(params (string Role, string Content)[] messages) =>
        new([.. messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content })]);

    private static string Body(JsonArray messages) => new JsonObject { ["model"] = "simulator", ["seed"] = 0, ["messages"] = messages }.ToJsonString();

    private static (string, string)[] ExtractConversation(int count) =>
    [
        ("system", "[extract:qa]\n你负责出题。"),
        ("user", $"文档： 示例银行年报\n\n段落：\n<<<\n{Passage}\n>>>\n\n请写出最多 {count} 道题，格式："),
    ];

    private async Task<(string Content, string Mode)> AskAsync(string body)
    {
        using var response = await _client.PostAsync(body);
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return ((string)json["choices"]![0]!["message"]!["content"]!, response.Headers.GetValues("x-llmsim-mode").Single());
    }

    [Fact]
    public async Task Extract_answer_draws_pairs_from_the_passage_whose_figures_it_states_and_the_oracle_then_knows_them()
    {
        var (content, mode) = await AskAsync(Body(Messages(ExtractConversation(3))));
        Assert.Equal("Derived", mode);
        var pairs = JsonNode.Parse(content)!["pairs"]!.AsArray();
        Assert.Equal(3, pairs.Count);
        Assert.Equal("1.12%", (string)pairs[0]!["answer"]!);
        Assert.Contains("____", (string)pairs[0]!["question"]!, StringComparison.Ordinal);
        Assert.DoesNotContain("1.12", (string)pairs[0]!["question"]!, StringComparison.Ordinal);
        Assert.Equal("13.6%", (string)pairs[1]!["answer"]!);
        // The sentence without a figure becomes a true/false statement.
        Assert.Equal("正确", (string)pairs[2]!["answer"]!);

        // A sample of the new question, which never shows its answer, is answered from what the pair said.
        var (sampled, sampledMode) = await AskAsync(Body(Messages(("system", "你是分析师。"), ("user", (string)pairs[0]!["question"]!))));
        Assert.Equal("OracleCorrect", sampledMode);
        Assert.Equal("1.12%", OracleTests.FinalAnswer(sampled));
    }

    [Fact]
    public async Task Fault_rates_give_unsupported_figures_and_broken_json_and_a_repair_answers_the_original_again()
    {
        _host.Options.ExtractUnsupportedRate = 1;
        var (unsupported, _) = await AskAsync(Body(Messages(ExtractConversation(1))));
        var answer = (string)JsonNode.Parse(unsupported)!["pairs"]![0]!["answer"]!;
        Assert.DoesNotContain(answer.TrimEnd('%'), Passage, StringComparison.Ordinal);
        _host.Options.ExtractUnsupportedRate = 0;

        _host.Options.DeriveMalformedRate = 1;
        var (broken, brokenMode) = await AskAsync(Body(Messages(ExtractConversation(2))));
        Assert.Equal("DerivedMalformed", brokenMode);
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => JsonNode.Parse(broken));

        var repair = Messages([.. ExtractConversation(2), ("assistant", broken), ("user", "[json:repair]\nYour answer above is not JSON.")]);
        var (fixedContent, fixedMode) = await AskAsync(Body(repair));
        Assert.Equal("Derived", fixedMode);
        Assert.Equal(2, JsonNode.Parse(fixedContent)!["pairs"]!.AsArray().Count);
        Assert.StartsWith(broken, fixedContent, StringComparison.Ordinal);

        _host.Options.RepairFailRate = 1;
        var again = Messages([.. ExtractConversation(2), ("assistant", broken), ("user", "[json:repair]\nYour answer above is not JSON.")]);
        var (stillBroken, stillMode) = await AskAsync(Body(again));
        Assert.Equal("DerivedMalformed", stillMode);
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => JsonNode.Parse(stillBroken));
    }
}
