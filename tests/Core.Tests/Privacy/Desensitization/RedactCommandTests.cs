using System.Text;
using System.Text.Json;
using DeepFinance.Cli.Commands;
using DeepFinance.Core.Privacy.Desensitization;

namespace DeepFinance.Core.Tests.Privacy.Desensitization;

public sealed class RedactCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("df-redact-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<(int Code, string Out, string Err)> Run(IReadOnlyDictionary<string, string?>? settings, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await RedactCommand.RunAsync(args, stdout, stderr, settings);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content, new UTF8Encoding(false));
        return path;
    }

    private static List<JsonElement> ReadLines(string path) =>
        File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement).ToList();

    [Fact]
    public async Task Redact_writes_id_desensitized_text_and_entities_in_original_code_point_offsets()
    {
        var input = Write("in.jsonl",
            """
            {"id":"a","text":"😀我叫王建国，手机13918774502。","extra":[1,2]}

            {"id":"b","text":"A 10-year note at 4.25%."}
            """);
        var output = Path.Combine(_dir, "out.jsonl");

        var (code, _, err) = await Run(null, "--input", input, "--output", output);

        Assert.Equal(0, code);
        Assert.Equal(string.Empty, err);
        var lines = ReadLines(output);
        Assert.Equal(2, lines.Count);
        Assert.Equal("a", lines[0].GetProperty("id").GetString());
        Assert.Equal("😀我叫[姓名1]，手机[手机号1]。", lines[0].GetProperty("text").GetString());
        var entities = lines[0].GetProperty("entities").EnumerateArray().ToList();
        // The emoji is one code point (two UTF-16 units): 王 is code point 3.
        Assert.Equal(("person_name", 3, 6), (entities[0].GetProperty("type").GetString(), entities[0].GetProperty("start").GetInt32(), entities[0].GetProperty("end").GetInt32()));
        Assert.Equal(("phone", 9, 20), (entities[1].GetProperty("type").GetString(), entities[1].GetProperty("start").GetInt32(), entities[1].GetProperty("end").GetInt32()));
        Assert.Equal("A 10-year note at 4.25%.", lines[1].GetProperty("text").GetString());
        Assert.Empty(lines[1].GetProperty("entities").EnumerateArray());
    }

    [Fact]
    public async Task Redact_never_reads_the_answer_key_fields()
    {
        // A pii field that would be malformed for any reader and a keep list claiming otherwise change nothing.
        var input = Write("in.jsonl",
            """
            {"id":"a","text":"我叫吴静，邮箱wujing_0815@163.com。","pii":42,"keep":"吴静"}
            """);
        var plain = Write("plain.jsonl", """{"id":"a","text":"我叫吴静，邮箱wujing_0815@163.com。"}""");
        var output = Path.Combine(_dir, "out.jsonl");
        var output2 = Path.Combine(_dir, "out2.jsonl");

        Assert.Equal(0, (await Run(null, "--input", input, "--output", output)).Code);
        Assert.Equal(0, (await Run(null, "--input", plain, "--output", output2)).Code);

        Assert.Equal(await File.ReadAllTextAsync(output2), await File.ReadAllTextAsync(output));
    }

    [Theory]
    [InlineData("{\"id\":\"a\",\"text\":\"ok\"}\n{\"id\":\"b\"}\n", "line 2: missing field \"text\"")]
    [InlineData("{\"id\":\"a\",\"text\":\"ok\"}\n\n{\"id\":\"c\",\"text\":5}\n", "line 3: field \"text\" must be a string, found a number")]
    [InlineData("{\"id\":\"a\",\"text\":\"ok\"}\n{\"id\":\"b\",\"text\":\"x\"\n", "line 2: invalid JSON")]
    [InlineData("[1]\n", "line 1: expected a JSON object")]
    public async Task A_bad_input_line_exits_2_naming_file_and_line_and_writes_no_output(string content, string expected)
    {
        var input = Write("bad.jsonl", content);
        var output = Path.Combine(_dir, "out.jsonl");

        var (code, _, err) = await Run(null, "--input", input, "--output", output);

        Assert.Equal(2, code);
        Assert.Contains($"{input} {expected}", err, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task Usage_errors_exit_2()
    {
        Assert.Equal(2, (await Run(null, "--input", "x")).Code);
        var (code, _, err) = await Run(null, "--input", "x", "--output", "y", "--mode", "blur");
        Assert.Equal(2, code);
        Assert.Contains("--mode must be placeholder, mask or fake, got 'blur'", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mode_comes_from_the_option_or_from_configuration_and_a_bad_setting_is_named()
    {
        var input = Write("in.jsonl", """{"id":"a","text":"手机13918774502"}""");
        var output = Path.Combine(_dir, "out.jsonl");

        Assert.Equal(0, (await Run(null, "--input", input, "--output", output, "--mode", "mask")).Code);
        Assert.Equal("手机139****4502", ReadLines(output)[0].GetProperty("text").GetString());

        var settings = new Dictionary<string, string?> { ["DeepFinance:Desensitization:Modes:phone"] = "Mask" };
        Assert.Equal(0, (await Run(settings, "--input", input, "--output", output)).Code);
        Assert.Equal("手机139****4502", ReadLines(output)[0].GetProperty("text").GetString());

        var bad = new Dictionary<string, string?> { ["DeepFinance:Desensitization:Modes:telephone"] = "Mask" };
        var (code, _, err) = await Run(bad, "--input", input, "--output", output);
        Assert.Equal(2, code);
        Assert.Contains("DeepFinance:Desensitization:Modes:telephone is not an entity type", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_and_core_service_give_the_same_text_and_spans_on_the_pii_dev_set()
    {
        var path = Verification.DevSetTests.FindDevSet("pii.dev.jsonl");
        if (path is null)
        {
            return;
        }

        var output = Path.Combine(_dir, "pii.jsonl");
        Assert.Equal(0, (await Run(null, "--input", path, "--output", output)).Code);
        var cli = ReadLines(output).ToDictionary(e => e.GetProperty("id").GetString()!);
        var service = new Desensitizer(new DesensitizationOptions());
        foreach (var line in File.ReadLines(path).Where(l => !string.IsNullOrWhiteSpace(l)))
        {
            var root = JsonDocument.Parse(line).RootElement;
            var text = root.GetProperty("text").GetString()!;
            var expected = service.Desensitize(text);
            var actual = cli[root.GetProperty("id").GetString()!];
            Assert.Equal(expected.Text, actual.GetProperty("text").GetString());
            Assert.Equal(
                expected.Entities.Select(e => (e.Type, RedactCommand.CodePointOffset(text, e.Start), RedactCommand.CodePointOffset(text, e.End))),
                actual.GetProperty("entities").EnumerateArray().Select(e => (e.GetProperty("type").GetString()!, e.GetProperty("start").GetInt32(), e.GetProperty("end").GetInt32())));
        }
    }
}
