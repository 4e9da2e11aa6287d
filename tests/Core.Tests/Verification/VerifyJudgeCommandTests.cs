using System.Text.Json;
using DeepFinance.Cli.Commands;
using DeepFinance.LlmSim;

namespace DeepFinance.Core.Tests.Verification;

/// <summary><c>deepfinance verify --judge NAME</c> against the simulator over loopback HTTP.</summary>
public sealed class VerifyJudgeCommandTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("df-verify-judge-").FullName;
    private SimulatorHost _sim = null!;

    public async Task InitializeAsync()
    {
        var script = Path.Combine(_dir, "script.jsonl");
        await File.WriteAllLinesAsync(script,
        [
            JudgeTestSupport.ScriptLine("收缩流动性", """{"verdict":"correct","reason":"same effect"}"""),
            JudgeTestSupport.ScriptLine("提高利率", """{"verdict":"incorrect","reason":"opposite direction"}"""),
        ]);
        _sim = await SimulatorHost.StartAsync(new SimulatorOptions { ScriptFile = script, LatencyMedianMs = 0 });
    }

    public async Task DisposeAsync()
    {
        await _sim.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private Dictionary<string, string?> Settings() => new()
    {
        ["DeepFinance:DataDirectory"] = Path.Combine(_dir, "data"),
        ["DeepFinance:Simulator:Enabled"] = "false",
        ["DeepFinance:Synthesizers:grader:BaseUrl"] = new Uri(_sim.BaseUrl, "v1").ToString(),
        ["DeepFinance:Synthesizers:grader:Model"] = "simulator",
        ["DeepFinance:Synthesizers:grader:External"] = "false",
        ["DeepFinance:Llm:MaxAttempts"] = "1",
    };

    private async Task<(int Code, string Err, List<JsonElement> Lines)> Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await VerifyCommand.RunAsync(args, stdout, stderr, Settings());
        var output = args[Array.IndexOf(args, "--output") + 1];
        var lines = code == 0 ? File.ReadLines(output).Select(l => JsonDocument.Parse(l).RootElement).ToList() : [];
        return (code, stderr.ToString(), lines);
    }

    [Fact]
    public async Task The_judge_decides_what_rules_cannot_and_a_second_pass_sends_nothing()
    {
        var input = Path.Combine(_dir, "in.jsonl");
        await File.WriteAllLinesAsync(input,
        [
            """{"id":"open-right","reference":"收缩流动性","response":"答案：市场上的钱变少了"}""",
            """{"id":"open-wrong","reference":"提高利率","response":"答案：降低利率"}""",
            """{"id":"number","reference":"4","response":"答案：4"}""",
        ]);
        var output = Path.Combine(_dir, "out.jsonl");

        var (code, err, lines) = await Run("--input", input, "--output", output, "--judge", "grader", "--explain");

        Assert.True(code == 0, err);
        Assert.Equal(["correct", "incorrect", "correct"], lines.Select(l => l.GetProperty("verdict").GetString()));
        Assert.Equal(["judge", "judge", "number"], lines.Select(l => l.GetProperty("rule").GetString()));
        Assert.Equal("opposite direction", lines[1].GetProperty("reason").GetString());
        Assert.Equal(2, _sim.Stats.Requests);

        var again = await Run("--input", input, "--output", output, "--judge", "grader");
        Assert.Equal(0, again.Code);
        Assert.Equal(["correct", "incorrect", "correct"], again.Lines.Select(l => l.GetProperty("verdict").GetString()));
        Assert.Equal(2, _sim.Stats.Requests);
    }

    [Fact]
    public async Task Without_judge_open_answers_are_unverifiable_and_nothing_is_sent()
    {
        var input = Path.Combine(_dir, "in.jsonl");
        await File.WriteAllLinesAsync(input, ["""{"id":"open","reference":"收缩流动性","response":"答案：市场上的钱变少了"}"""]);
        var output = Path.Combine(_dir, "out.jsonl");

        var (code, _, lines) = await Run("--input", input, "--output", output);

        Assert.Equal(0, code);
        Assert.Equal("unverifiable", lines.Single().GetProperty("verdict").GetString());
        Assert.Equal(0, _sim.Stats.Requests);
        Assert.False(Directory.Exists(Path.Combine(_dir, "data")));
    }

    [Fact]
    public async Task An_unknown_judge_exits_2()
    {
        var input = Path.Combine(_dir, "in.jsonl");
        await File.WriteAllLinesAsync(input, ["""{"id":"open","reference":"x","response":"y"}"""]);

        var (code, err, _) = await Run("--input", input, "--output", Path.Combine(_dir, "out.jsonl"), "--judge", "nobody");

        Assert.Equal(2, code);
        Assert.Contains("--judge nobody", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broken_judge_answer_is_marked_unverifiable_and_the_command_goes_on()
    {
        var script = Path.Combine(_dir, "broken-script.jsonl");
        await File.WriteAllLinesAsync(script, [JudgeTestSupport.ScriptLine("收缩流动性", "garbled {")]);
        _sim.Options.ScriptFile = script;
        var input = Path.Combine(_dir, "in2.jsonl");
        await File.WriteAllLinesAsync(input,
        [
            """{"id":"broken","reference":"收缩流动性","response":"答案：市场上的钱变少了"}""",
            """{"id":"number","reference":"4","response":"答案：4"}""",
        ]);
        var output = Path.Combine(_dir, "out2.jsonl");

        var (code, err, lines) = await Run("--input", input, "--output", output, "--judge", "grader", "--explain");

        Assert.Equal(0, code);
        Assert.Equal("unverifiable", lines[0].GetProperty("verdict").GetString());
        Assert.StartsWith("judge answer unreadable: ", lines[0].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("correct", lines[1].GetProperty("verdict").GetString());
        Assert.Contains("could not decide 1 item", err, StringComparison.Ordinal);
    }
}
