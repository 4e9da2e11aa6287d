using System.Text.Json;
using DeepFinance.Cli.Commands;
using DeepFinance.Core.Tests.Verification;

namespace DeepFinance.Core.Tests.Curation;

/// <summary><c>deepfinance dedup</c>: one line out per line in, errors by file and line, and the dev-set bar.</summary>
public sealed class DedupCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("df-dedup-").FullName;

    [Fact]
    public async Task Each_input_line_gets_its_cluster_named_after_the_first_line_of_it_and_group_is_never_read()
    {
        var input = Write("in.jsonl",
            """{"id":"a","text":"某股票股价30元，每股收益1.5元，市盈率是多少？","group":"x"}""",
            "",
            """{"id":"b","text":"某股票股价30元，每股净资产1.5元，市净率是多少？","group":"x"}""",
            """{"id":"c","text":"请问某股票股价30元,每股收益1.5元,市盈率是多少?","group":"y","extra":[1,2]}""");
        var output = Path.Combine(_dir, "out.jsonl");

        var (code, _, err) = await RunAsync("--input", input, "--output", output);

        Assert.Equal(0, code);
        Assert.Contains("3 questions, 2 kept, 1 duplicates", err, StringComparison.Ordinal);
        var lines = (await File.ReadAllLinesAsync(output)).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["a", "b", "c"], lines.Select(l => l.GetProperty("id").GetString()));
        Assert.Equal(["a", "b", "a"], lines.Select(l => l.GetProperty("cluster").GetString()));
    }

    [Fact]
    public async Task A_line_without_text_exits_2_naming_the_file_and_line_and_writes_nothing()
    {
        var input = Write("bad.jsonl", """{"id":"a","text":"x"}""", """{"id":"b","text":"y"}""", """{"id":"c","question":"z"}""");
        var output = Path.Combine(_dir, "out.jsonl");

        var (code, _, err) = await RunAsync("--input", input, "--output", output);

        Assert.Equal(2, code);
        Assert.Contains($"{input} line 3: missing field \"text\"", err, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Fact]
    public async Task A_repeated_id_exits_2_naming_both_lines()
    {
        var input = Write("dup.jsonl", """{"id":"a","text":"x"}""", """{"id":"b","text":"y"}""", """{"id":"a","text":"z"}""");

        var (code, _, err) = await RunAsync("--input", input, "--output", Path.Combine(_dir, "out.jsonl"));

        Assert.Equal(2, code);
        Assert.Contains($"{input} line 3: duplicate id \"a\" (first seen on line 1)", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_setting_is_a_usage_error()
    {
        var input = Write("in.jsonl", """{"id":"a","text":"x"}""");
        var (code, _, err) = await RunAsync("--input", input, "--output", Path.Combine(_dir, "o.jsonl"), "--bands", "2.5");
        Assert.Equal(2, code);
        Assert.Contains("--bands must be a whole number", err, StringComparison.Ordinal);
    }

    /// <summary>The shared dev set, scored pairwise as the eval scorer does: pair F1 at least 0.97.</summary>
    [Fact]
    public async Task Dedup_dev_set_pair_f1_is_at_least_97_percent()
    {
        var gold = DevSetTests.FindDevSet("dedup.dev.jsonl");
        if (gold is null)
        {
            return;
        }

        var output = Path.Combine(_dir, "dd.pred.jsonl");
        var (code, _, err) = await RunAsync("--input", gold, "--output", output);
        Assert.True(code == 0, err);

        var groups = File.ReadLines(gold).Where(l => l.Trim().Length > 0).Select(l => JsonDocument.Parse(l).RootElement)
            .ToDictionary(r => r.GetProperty("id").GetString()!, r => r.GetProperty("group").GetString()!);
        var clusters = File.ReadLines(output).Select(l => JsonDocument.Parse(l).RootElement)
            .ToDictionary(r => r.GetProperty("id").GetString()!, r => r.GetProperty("cluster").GetString()!);
        var ids = groups.Keys.ToList();
        int goldPairs = 0, predicted = 0, shared = 0;
        var misses = new List<string>();
        for (var i = 0; i < ids.Count; i++)
        {
            for (var j = i + 1; j < ids.Count; j++)
            {
                var g = groups[ids[i]] == groups[ids[j]];
                var p = clusters[ids[i]] == clusters[ids[j]];
                goldPairs += g ? 1 : 0;
                predicted += p ? 1 : 0;
                shared += g && p ? 1 : 0;
                if (g != p)
                {
                    misses.Add($"{ids[i]}/{ids[j]} {(g ? "missed" : "wrongly joined")}");
                }
            }
        }

        var precision = predicted == 0 ? 1 : (double)shared / predicted;
        var recall = goldPairs == 0 ? 1 : (double)shared / goldPairs;
        var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        Assert.True(f1 >= 0.97, $"pair_f1={f1:0.0000} p={precision:0.0000} r={recall:0.0000}: {string.Join("; ", misses)}");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, params string[] lines)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, string.Join('\n', lines) + "\n");
        return path;
    }

    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await DedupCommand.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
