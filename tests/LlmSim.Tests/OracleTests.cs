using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace DeepFinance.LlmSim.Tests;

public sealed partial class OracleTests : IAsyncLifetime
{
    private static readonly (string Question, string Answer)[] Entries =
    [
        ("A bond pays a coupon of $2.00 per period. What is the coupon?", "$2.00"),
        ("某公司2023年净利润为3.68亿元，请问净利润是多少？", "3.68亿元"),
        ("Which right does a call option give? A. obligation to buy B. right to buy C. right to sell D. obligation to sell", "B"),
        ("Which of these are equity securities? A. common stock B. treasury bill C. preferred stock D. bond", "AC"),
        ("判断：股票属于固定收益证券。", "错误"),
        ("What was the revenue growth rate?", "10%"),
        ("What is the total revenue in thousands?", "54163.23"),
        ("How much cash is needed in the first year?", "30000"),
        ("Is a treasury bill a money market instrument?", "True"),
        ("Why do bond prices fall when rates rise?", "Because future cash flows are discounted at a higher rate."),
        ("What is the net profit", "100"),
        ("What is the net profit margin", "25%"),
    ];

    private readonly TempFiles _files = new();
    private SimulatorHost _host = null!;
    private SimClient _client = null!;

    public async Task InitializeAsync()
    {
        var lines = Entries.Select(e => new JsonObject { ["question"] = e.Question, ["answer"] = e.Answer }.ToJsonString()).ToList();
        lines[2] = new JsonObject
        {
            ["question"] = Entries[2].Question,
            ["reference"] = Entries[2].Answer,
            ["options"] = new JsonArray("obligation to buy", "right to buy", "right to sell", "obligation to sell"),
        }.ToJsonString();
        var oracle = _files.Write("oracle.jsonl", [.. lines]);
        _host = await SimulatorHost.StartAsync(new SimulatorOptions { OracleFile = oracle, LatencyMedianMs = 0 });
        _client = new SimClient(_host.BaseUrl);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _host.DisposeAsync();
        _files.Dispose();
    }

    public static TheoryData<int> EntryIndexes() => [.. Enumerable.Range(0, 10)];

    [Theory]
    [MemberData(nameof(EntryIndexes))]
    public async Task AlwaysRightWhenProbabilityIsOne(int index)
    {
        _host.Options.CorrectProbability = 1;
        var (question, answer) = Entries[index];
        for (var seed = 0; seed < 5; seed++)
        {
            var content = await ContentAsync(question, seed);
            Assert.Equal(answer, FinalAnswer(content));
        }
    }

    [Theory]
    [MemberData(nameof(EntryIndexes))]
    public async Task AlwaysANearMissWhenProbabilityIsZero(int index)
    {
        _host.Options.CorrectProbability = 0;
        var (question, answer) = Entries[index];
        for (var seed = 0; seed < 8; seed++)
        {
            var body = SimClient.Body("simulator", $"Please answer carefully.\n\n{question}\n", seed: seed);
            var json = await _client.CompleteAsync(body);
            var message = json["choices"]![0]!["message"]!;
            var wrong = FinalAnswer((string)message["content"]!);
            Assert.NotEqual(answer, wrong);
            Assert.Contains("3.", (string)message["reasoning_content"]!, StringComparison.Ordinal);
            AssertNearMiss(answer, wrong);
        }
    }

    [Fact]
    public async Task SameRequestGivesSameAnswerAndSeedsVary()
    {
        _host.Options.CorrectProbability = 0.5;
        var (question, answer) = Entries[0];
        var first = await ContentAsync(question, 42);
        Assert.Equal(first, await ContentAsync(question, 42));

        var finals = new List<string>();
        for (var seed = 0; seed < 40; seed++)
        {
            finals.Add(FinalAnswer(await ContentAsync(question, seed)));
        }

        Assert.Contains(answer, finals);
        Assert.Contains(finals, f => f != answer);
    }

    [Fact]
    public async Task LongestQuestionWinsAndWhiteSpaceIsIgnored()
    {
        _host.Options.CorrectProbability = 1;
        var content = await ContentAsync("Q:  What  is the\nnet profit   margin of the firm?", null);
        Assert.Equal("25%", FinalAnswer(content));
    }

    [Fact]
    public async Task OnlyTheLastUserMessageIsSearched()
    {
        _host.Options.CorrectProbability = 1;
        var body = new JsonObject
        {
            ["model"] = "simulator",
            ["messages"] = new JsonArray(
                new JsonObject { ["role"] = "user", ["content"] = Entries[0].Question },
                new JsonObject { ["role"] = "assistant", ["content"] = "The answer is $2.00." },
                new JsonObject { ["role"] = "user", ["content"] = "Now something unrelated: what colour is the sky?" }),
        }.ToJsonString();
        var json = await _client.CompleteAsync(body);
        Assert.Equal("I cannot determine this.", (string?)json["choices"]![0]!["message"]!["content"]);
    }

    [Fact]
    public async Task ChineseQuestionsGetChineseReasoning()
    {
        _host.Options.CorrectProbability = 1;
        var json = await _client.CompleteAsync(SimClient.Body("simulator", Entries[1].Question));
        var reasoning = (string)json["choices"]![0]!["message"]!["reasoning_content"]!;
        Assert.Contains("审题", reasoning, StringComparison.Ordinal);
        Assert.Contains("答案：", (string?)json["choices"]![0]!["message"]!["content"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownQuestionGetsTheDefaultAnswer()
    {
        var en = await ContentAsync("What is the meaning of life?", null);
        Assert.Equal("I cannot determine this.", en);
        var zh = await ContentAsync("今天天气怎么样？", null);
        Assert.Equal("我无法确定这个问题的答案。", zh);
    }

    [Fact]
    public async Task ABadOracleLineIsReportedWithFileAndLine()
    {
        var path = _files.Write("bad.jsonl", """{"question":"q1","answer":"1"}""", "{oops");
        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => SimulatorHost.StartAsync(new SimulatorOptions { OracleFile = path }));
        Assert.Contains("bad.jsonl:2", ex.Message, StringComparison.Ordinal);
    }

    private async Task<string> ContentAsync(string question, long? seed)
    {
        var json = await _client.CompleteAsync(SimClient.Body("simulator", question, seed: seed));
        return (string)json["choices"]![0]!["message"]!["content"]!;
    }

    internal static string FinalAnswer(string content)
    {
        var last = content.Split('\n')[^1].Trim();
        if (last.StartsWith("答案：", StringComparison.Ordinal))
        {
            return last["答案：".Length..];
        }

        Assert.StartsWith("The answer is ", last, StringComparison.Ordinal);
        var answer = last["The answer is ".Length..];
        return answer.EndsWith('.') && !answer.EndsWith("rate.", StringComparison.Ordinal) ? answer[..^1] : answer;
    }

    private static void AssertNearMiss(string reference, string wrong)
    {
        switch (reference)
        {
            case "B":
                Assert.Contains(wrong, new[] { "A", "C" });
                return;
            case "AC":
                Assert.True(wrong.Length is 1 or 3, wrong);
                Assert.True(wrong.All(c => c is >= 'A' and <= 'D'), wrong);
                return;
            case "错误":
                Assert.Equal("正确", wrong);
                return;
            case "True":
                Assert.Equal("False", wrong);
                return;
        }

        var number = Number().Match(reference);
        if (!number.Success)
        {
            Assert.False(string.IsNullOrWhiteSpace(wrong));
            return;
        }

        // Units and suffixes survive; the value moves by at least 1%.
        var suffix = reference[(number.Index + number.Length)..];
        if (suffix.Length > 0)
        {
            Assert.EndsWith(suffix[^1..], wrong, StringComparison.Ordinal);
        }

        if (reference.StartsWith('$'))
        {
            Assert.Contains("$", wrong, StringComparison.Ordinal);
        }

        var wrongNumber = Number().Match(wrong);
        Assert.True(wrongNumber.Success, wrong);
        var a = double.Parse(number.Value.Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);
        var b = double.Parse(wrongNumber.Value.Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);
        var unitSwapped = suffix != wrong[(wrongNumber.Index + wrongNumber.Length)..];
        Assert.True(unitSwapped || Math.Abs(a - b) >= Math.Abs(a) * 0.01, $"{reference} -> {wrong}");
    }

    [GeneratedRegex(@"-?\d[\d,]*(?:\.\d+)?")]
    private static partial Regex Number();
}
