using System.Text;
using System.Text.Json;
using DeepFinance.Cli.Commands;

namespace DeepFinance.Core.Tests.Verification;

public sealed class VerifyCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("df-verify-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await VerifyCommand.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content, new UTF8Encoding(false));
        return path;
    }

    [Fact]
    public async Task Writes_one_line_per_input_line_with_id_verdict_and_extracted()
    {
        var input = Write("in.jsonl",
            """
            {"id":"a","reference":"124亿元","response":"答案：12,400,000,000元","expected":"incorrect","kind":"text","extra":1}

            {"id":"b","reference":"B","response":"故选C","question":"Q","options":["x","y"]}
            {"id":"c","reference":"提高利率","response":"答案：降低利率"}
            """);
        var output = Path.Combine(_dir, "out.jsonl");

        var (code, _, err) = await Run("--input", input, "--output", output);

        Assert.Equal(0, code);
        Assert.Equal(string.Empty, err);
        var bytes = await File.ReadAllBytesAsync(output);
        Assert.False(bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]));
        var lines = (await File.ReadAllLinesAsync(output)).Where(l => l.Length > 0).ToList();
        Assert.Equal(3, lines.Count);
        Assert.Contains("12,400,000,000元", lines[0], StringComparison.Ordinal); // non-ASCII unescaped

        var first = JsonDocument.Parse(lines[0]).RootElement;
        Assert.Equal("a", first.GetProperty("id").GetString());
        Assert.Equal("correct", first.GetProperty("verdict").GetString()); // expected/kind are never read
        Assert.Equal("incorrect", JsonDocument.Parse(lines[1]).RootElement.GetProperty("verdict").GetString());
        Assert.Equal("unverifiable", JsonDocument.Parse(lines[2]).RootElement.GetProperty("verdict").GetString());
    }

    [Fact]
    public async Task Broken_line_three_exits_2_names_the_line_and_leaves_no_output()
    {
        var input = Write("bad.jsonl",
            "{\"id\":\"1\",\"reference\":\"4\",\"response\":\"答案：4\"}\n"
            + "{\"id\":\"2\",\"reference\":\"4\",\"response\":\"答案：5\"}\n"
            + "{\"id\":\"3\",\"reference\":\"4\",\"response\":\n"
            + "{\"id\":\"4\",\"reference\":\"4\",\"response\":\"答案：4\"}\n");
        var output = Path.Combine(_dir, "out.jsonl");

        var (code, _, err) = await Run("--input", input, "--output", output);

        Assert.Equal(2, code);
        Assert.StartsWith($"error: {input} line 3: ", err, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
        Assert.Equal(["bad.jsonl"], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("{\"reference\":\"4\",\"response\":\"4\"}", "missing field \"id\"")]
    [InlineData("{\"id\":7,\"reference\":\"4\",\"response\":\"4\"}", "field \"id\" must be a string")]
    [InlineData("{\"id\":\"x\",\"response\":\"4\"}", "missing field \"reference\"")]
    [InlineData("{\"id\":\"x\",\"reference\":\"4\",\"response\":null}", "field \"response\" must be a string")]
    [InlineData("[1,2]", "expected a JSON object")]
    [InlineData("{\"id\":\"x\",", "invalid JSON")]
    public async Task Bad_records_are_reported_with_line_and_problem(string line, string problem)
    {
        var input = Write("in.jsonl", "{\"id\":\"ok\",\"reference\":\"4\",\"response\":\"4\"}\n" + line + "\n");
        var output = Path.Combine(_dir, "out.jsonl");

        var (code, _, err) = await Run("--input", input, "--output", output);

        Assert.Equal(2, code);
        Assert.Contains("line 2: " + problem, err, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task Invalid_utf8_is_bad_input()
    {
        var path = Path.Combine(_dir, "in.jsonl");
        var good = Encoding.UTF8.GetBytes("{\"id\":\"1\",\"reference\":\"4\",\"response\":\"4\"}\n");
        var bad = Encoding.UTF8.GetBytes("{\"id\":\"2\",\"reference\":\"4\",\"response\":\"X\"}\n");
        bad[bad.Length - 4] = 0xFF;
        await File.WriteAllBytesAsync(path, [.. good, .. bad]);
        var output = Path.Combine(_dir, "out.jsonl");

        var (code, _, err) = await Run("--input", path, "--output", output);

        Assert.Equal(2, code);
        Assert.Contains("line 2: invalid UTF-8", err, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task Existing_output_is_untouched_when_input_is_bad()
    {
        var output = Write("out.jsonl", "previous\n");
        var input = Write("in.jsonl", "not json\n");

        var (code, _, _) = await Run("--input", input, "--output", output);

        Assert.Equal(2, code);
        Assert.Equal("previous\n", await File.ReadAllTextAsync(output));
    }

    [Theory]
    [InlineData(new[] { "--output", "x" }, "missing --input")]
    [InlineData(new[] { "--input", "x" }, "missing --output")]
    [InlineData(new[] { "--input", "a", "--output", "b", "--tolerance", "abc" }, "--tolerance must be a number")]
    [InlineData(new[] { "--input", "a", "--output", "b", "--frobnicate" }, "unknown option")]
    [InlineData(new[] { "--input" }, "needs a value")]
    public async Task Usage_errors_exit_2(string[] args, string message)
    {
        var (code, _, err) = await Run(args);
        Assert.Equal(2, code);
        Assert.Contains(message, err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_input_file_exits_2()
    {
        var (code, _, err) = await Run("--input", Path.Combine(_dir, "nope.jsonl"), "--output", Path.Combine(_dir, "o.jsonl"));
        Assert.Equal(2, code);
        Assert.Contains("file not found", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tolerance_option_changes_numeric_verdicts()
    {
        var input = Write("in.jsonl", "{\"id\":\"t\",\"reference\":\"4.17\",\"response\":\"The answer is 4.2.\"}\n");
        var output = Path.Combine(_dir, "out.jsonl");

        Assert.Equal(0, (await Run("--input", input, "--output", output)).Code);
        Assert.Contains("\"incorrect\"", await File.ReadAllTextAsync(output), StringComparison.Ordinal);
        Assert.Equal(0, (await Run("--input", input, "--output", output, "--tolerance", "0.01", "--explain")).Code);
        var text = await File.ReadAllTextAsync(output);
        Assert.Contains("\"correct\"", text, StringComparison.Ordinal);
        Assert.Contains("\"rule\":\"number\"", text, StringComparison.Ordinal);
    }
}
