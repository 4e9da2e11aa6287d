using System.Text.Json.Nodes;

namespace DeepFinance.LlmSim.Tests;

/// <summary>A2Q and T2Q support: JSON in the templates' shapes, the fault rates, and the oracle learning new questions.</summary>
public sealed class DerivedTests : IAsyncLifetime
{
    private const string Question = "A bond pays a coupon of 50 a year; with 4 years left, how much coupon income remains?";
    private const string ChoiceQuestion = "Which instrument is a derivative?";
    private readonly TempFiles _files = new();
    private SimulatorHost _host = null!;
    private SimClient _client = null!;

    public async Task InitializeAsync()
    {
        var oracle = _files.Write("oracle.jsonl",
            new JsonObject { ["question"] = Question, ["answer"] = "200" }.ToJsonString() + "\n"
            + new JsonObject { ["question"] = ChoiceQuestion, ["answer"] = "C", ["options"] = new JsonArray("Bond", "Stock", "Option", "Deposit") }.ToJsonString());
        _host = await SimulatorHost.StartAsync(new SimulatorOptions
        {
            OracleFile = oracle, LatencyMedianMs = 0, DeriveMalformedRate = 0, DeriveMissingFieldRate = 0, DeriveIdenticalRate = 0,
        });
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

    private static string A2qPrompt(string question, string answer) => $"Original question:\n{question}\n\nIts correct result:\n{answer}\n\nWrite 3 variant(s) in this shape:";

    [Fact]
    public async Task A2q_answer_is_json_variants_with_changed_numbers_and_scaled_answers_that_the_oracle_then_knows()
    {
        var (content, mode) = await AskAsync(Body("[a2q:generate]\nWriter.", A2qPrompt(Question, "200"), 1));
        Assert.Equal("Derived", mode);
        var variants = JsonNode.Parse(content)!["variants"]!.AsArray();
        Assert.Equal(3, variants.Count);
        var first = variants[0]!;
        var text = (string)first["question"]!;
        Assert.NotEqual(Question, text);
        Assert.Equal("number", (string)first["perturbation"]!["kind"]!);
        var factor = double.Parse((string)first["perturbation"]!["after"]!, System.Globalization.CultureInfo.InvariantCulture) / 50;
        Assert.Equal(200 * factor, double.Parse((string)first["answer"]!, System.Globalization.CultureInfo.InvariantCulture), 3);

        // Sampling the new question answers from what the variant said, not from the parent.
        _host.Options.CorrectProbability = 1;
        var (sampled, sampledMode) = await AskAsync(Body("You are an analyst.", text, 0));
        Assert.Equal("OracleCorrect", sampledMode);
        Assert.Equal((string)first["answer"]!, OracleTests.FinalAnswer(sampled));
    }

    [Fact]
    public async Task A2q_of_a_choice_question_negates_it_and_names_another_option()
    {
        var (content, _) = await AskAsync(Body("[a2q:generate]\nWriter.", A2qPrompt(ChoiceQuestion, "C") + "\nA. Bond\nB. Stock\nC. Option\nD. Deposit", 2));
        var variant = JsonNode.Parse(content)!["variants"]![0]!;
        Assert.Equal("negation", (string)variant["perturbation"]!["kind"]!);
        Assert.Contains("NOT", (string)variant["question"]!, StringComparison.Ordinal);
        Assert.NotEqual("C", (string)variant["answer"]!);
    }

    [Fact]
    public async Task Fault_rates_at_one_give_broken_json_missing_fields_and_the_parent_again()
    {
        _host.Options.DeriveMalformedRate = 1;
        var (broken, brokenMode) = await AskAsync(Body("[a2q:generate]\nWriter.", A2qPrompt(Question, "200"), 3));
        Assert.Equal("DerivedMalformed", brokenMode);
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => JsonNode.Parse(broken));

        _host.Options.DeriveMalformedRate = 0;
        _host.Options.DeriveMissingFieldRate = 1;
        var (missing, _) = await AskAsync(Body("[a2q:generate]\nWriter.", A2qPrompt(Question, "200"), 4));
        Assert.All(JsonNode.Parse(missing)!["variants"]!.AsArray(), v => Assert.True(v!["answer"] is null || v["perturbation"] is null));

        _host.Options.DeriveMissingFieldRate = 0;
        _host.Options.DeriveIdenticalRate = 1;
        var (identical, _) = await AskAsync(Body("[a2q:generate]\nWriter.", A2qPrompt(Question, "200"), 5));
        Assert.All(JsonNode.Parse(identical)!["variants"]!.AsArray(),
            v => Assert.Equal(TextKey.Of(Question), TextKey.Of((string)v!["question"]!)));
    }

    [Fact]
    public async Task T2q_answer_lists_knowledge_points_with_questions_and_learns_them()
    {
        var user = $"Original question:\n{Question}\n\nVerified reasoning:\n4 × 50 = 200\n\nAt most 2 knowledge point(s), 2 question(s) each, in this shape:";
        var (content, mode) = await AskAsync(Body("[t2q:mine]\nMiner.", user, 6));
        Assert.Equal("Derived", mode);
        var points = JsonNode.Parse(content)!["points"]!.AsArray();
        Assert.Equal(2, points.Count);
        Assert.All(points, p => Assert.Equal(2, p!["questions"]!.AsArray().Count));
        var mined = points[1]!["questions"]![0]!;
        _host.Options.CorrectProbability = 1;
        var (sampled, _) = await AskAsync(Body("You are an analyst.", (string)mined["question"]!, 0));
        Assert.Contains((string)mined["answer"]!, sampled, StringComparison.Ordinal);
    }
}
