using System.Text.Json.Nodes;

namespace DeepFinance.LlmSim.Tests;

/// <summary>The classifier step (<c>[classify:question]</c>): labels from the oracle file or keywords, the same each time, broken at its rate.</summary>
public sealed class ClassifyTests : IAsyncLifetime
{
    private const string Known = "Which ratio best shows whether a firm can pay its bills over the next year?";
    private readonly TempFiles _files = new();
    private SimulatorHost _host = null!;
    private SimClient _client = null!;

    public async Task InitializeAsync()
    {
        var oracle = _files.Write("oracle.jsonl",
            new JsonObject { ["question"] = Known, ["answer"] = "the current ratio", ["task_type"] = "Analysis & Interpretation", ["difficulty"] = "Medium" }.ToJsonString());
        _host = await SimulatorHost.StartAsync(new SimulatorOptions { OracleFile = oracle, LatencyMedianMs = 0, ClassifyMalformedRate = 0 });
        _client = new SimClient(_host.BaseUrl);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _host.DisposeAsync();
        _files.Dispose();
    }

    private static string Body(string question, int seed = 0) => new JsonObject
    {
        ["model"] = "simulator",
        ["seed"] = seed,
        ["messages"] = new JsonArray(
            new JsonObject { ["role"] = "system", ["content"] = "[classify:question]\nYou label questions." },
            new JsonObject { ["role"] = "user", ["content"] = $"Question:\n{question}\n\nAnswer in this shape:\n{{\"task_type\":\"…\",\"difficulty\":\"simple|medium|hard\",\"reason\":\"…\"}}" }),
    }.ToJsonString();

    private async Task<(string Content, string Mode)> AskAsync(string body)
    {
        using var response = await _client.PostAsync(body);
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return ((string)json["choices"]![0]!["message"]!["content"]!, response.Headers.GetValues("x-llmsim-mode").Single());
    }

    [Fact]
    public async Task A_known_question_gets_the_oracle_files_labels()
    {
        var (content, mode) = await AskAsync(Body(Known));
        Assert.Equal("Classified", mode);
        var label = JsonNode.Parse(content)!;
        Assert.Equal(("Analysis & Interpretation", "medium"), ((string)label["task_type"]!, (string)label["difficulty"]!));
        Assert.False(string.IsNullOrWhiteSpace((string)label["reason"]!));
    }

    [Theory]
    [InlineData("某客户贷款20万元，年利率5%，3年利息多少元？", "Math")]
    [InlineData("根据反洗钱规定，金融机构应当如何识别客户？", "Compliance & Security")]
    [InlineData("Draft a short note to clients about the rate cut.", "Text Generation")]
    [InlineData("Summarise this analyst comment in one line.", "NLP")]
    [InlineData("Explain why rising rates squeeze bank margins.", "Analysis & Interpretation")]
    [InlineData("Which of these is a liability of a commercial bank?", "Knowledge QA")]
    public async Task An_unknown_question_gets_a_keyword_guess_and_the_same_answer_each_time(string question, string expected)
    {
        var (first, mode) = await AskAsync(Body(question));
        Assert.Equal("Classified", mode);
        Assert.Equal(expected, (string)JsonNode.Parse(first)!["task_type"]!);
        var (second, _) = await AskAsync(Body(question));
        Assert.Equal(first, second);
    }

    [Fact]
    public async Task At_the_malformed_rate_answers_are_cut_off_or_name_a_type_outside_the_six()
    {
        _host.Options.ClassifyMalformedRate = 1;
        var cut = 0;
        var unknown = 0;
        for (var seed = 0; seed < 12; seed++)
        {
            var (content, mode) = await AskAsync(Body(Known, seed));
            Assert.Equal("ClassifyMalformed", mode);
            try
            {
                Assert.Equal(ClassifyAnswers.UnknownType, (string)JsonNode.Parse(content)!["task_type"]!);
                unknown++;
            }
            catch (System.Text.Json.JsonException)
            {
                cut++;
            }
        }
        Assert.True(cut > 0 && unknown > 0, $"cut {cut}, unknown {unknown}");
    }
}
