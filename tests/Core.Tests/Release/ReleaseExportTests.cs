using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using DeepFinance.Cli.Commands;
using DeepFinance.Core.Data;
using DeepFinance.Core.Release;
using DeepFinance.Core.Release.Export;
using DeepFinance.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Parquet;

namespace DeepFinance.Core.Tests.ReleaseExport;

/// <summary>Every export format on a small hand-built release in a real SQLite data directory, the card's counts, refusals and the CLI.</summary>
public sealed class ReleaseExportTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "df-export-" + Guid.NewGuid().ToString("N")[..8]);
    private ServiceProvider _services = null!;
    private ExportFixtureRows _rows = null!;

    private string Out => Path.Combine(_dir, "out");

    private ReleaseExporter Exporter => _services.GetRequiredService<ReleaseExporter>();

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        _services = await CoreHost.OpenAsync(_dir);
        _rows = await ExportFixture.WriteAsync(_services.GetRequiredService<IDbContextFactory<DeepFinanceDbContext>>());
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Chat_jsonl_has_one_conversation_per_item_with_the_reasoning_apart_and_the_fixed_text()
    {
        // Pages of two rows, so the export crosses page boundaries.
        await Exporter.ExportAsync(_rows.ReadyId, ExportFormats.Parse("chat"), Out, new ReleaseExportOptions { PageSize = 2, SystemPrompt = "You are a financial analyst." });

        var lines = ReadJsonl("chat.jsonl");
        Assert.Equal(_rows.TraceIds.Select(id => $"t{id}"), lines.Select(l => l.GetProperty("id").GetString()));
        foreach (var line in lines)
        {
            var messages = line.GetProperty("messages").EnumerateArray().ToList();
            Assert.Equal(["system", "user", "assistant"], messages.Select(m => m.GetProperty("role").GetString()));
            Assert.DoesNotContain("<think>", messages[2].GetProperty("content").GetString(), StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(messages[2].GetProperty("reasoning_content").GetString()));
        }
        var fixedRow = lines.Single(l => l.GetProperty("trace_id").GetInt64() == _rows.FixedTraceId);
        Assert.Equal(ExportFixture.FixedQuestion, fixedRow.GetProperty("messages")[1].GetProperty("content").GetString());
        var choice = lines.Single(l => l.GetProperty("task_type").GetString() == "Knowledge QA");
        Assert.EndsWith("\nA. Loans\nB. Deposits\nC. Bonds held\nD. Cash", choice.GetProperty("messages")[1].GetProperty("content").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("John Smith", await File.ReadAllTextAsync(Path.Combine(Out, "chat.jsonl")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_with_think_inline_puts_the_reasoning_in_a_think_block_before_the_answer()
    {
        await Exporter.ExportAsync(_rows.ReadyId, ExportFormats.Parse("chat"), Out, new ReleaseExportOptions { ThinkInline = true });

        var first = ReadJsonl("chat.jsonl")[0].GetProperty("messages");
        Assert.Equal(2, first.GetArrayLength());
        Assert.Equal("<think>\nInterest = 10000 × 5% × 1 = 500.\n</think>\n\nThe interest is **500**.", first[1].GetProperty("content").GetString());
        Assert.False(first[1].TryGetProperty("reasoning_content", out _));
    }

    [Fact]
    public async Task All_writes_every_format_and_a_dataset_info_llama_factory_can_load()
    {
        var result = await Exporter.ExportAsync(_rows.ReadyId, ExportFormats.Parse("all"), Out);

        Assert.Equal(["chat.jsonl", "flat.jsonl", "data.parquet", "alpaca.json", "sharegpt.json", "dpo.jsonl", "dataset_info.json", "README.md"],
            result.Files.Select(f => f.Name));
        Assert.Equal(result.Files.Select(f => f.Name).Order(), Directory.GetFileSystemEntries(Out).Select(Path.GetFileName).Order());

        var flat = ReadJsonl("flat.jsonl");
        Assert.Equal(7, flat.Count);
        var variant = flat.Single(l => l.GetProperty("origin").GetString() == "A2Q");
        Assert.Equal("11025", variant.GetProperty("final_answer").GetString());
        Assert.Equal("hard", variant.GetProperty("difficulty").GetString());
        Assert.Equal(0.25, variant.GetProperty("pass_rate").GetDouble());
        Assert.Equal("zh", variant.GetProperty("language").GetString());
        Assert.Equal(JsonValueKind.Number, variant.GetProperty("parent_question_id").ValueKind);
        Assert.Equal("rate 10% → 5%", variant.GetProperty("perturbation").GetString());
        var rewrite = flat.Single(l => l.GetProperty("trace_id").GetInt64() == _rows.RewriteTraceId);
        Assert.Equal("accepted_rewrite", rewrite.GetProperty("kind").GetString());
        Assert.Equal(_rows.OriginalTraceId, rewrite.GetProperty("original_trace_id").GetInt64());
        Assert.Equal(1, rewrite.GetProperty("round").GetInt32());

        using var alpaca = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Out, "alpaca.json")));
        Assert.Equal(7, alpaca.RootElement.GetArrayLength());
        Assert.All(alpaca.RootElement.EnumerateArray(), a => Assert.StartsWith("<think>\n", a.GetProperty("output").GetString(), StringComparison.Ordinal));
        using var sharegpt = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Out, "sharegpt.json")));
        Assert.All(sharegpt.RootElement.EnumerateArray(), s =>
            Assert.Equal(["human", "gpt"], s.GetProperty("conversations").EnumerateArray().Select(c => c.GetProperty("from").GetString())));

        // One pair: the other rewrite's flawed original had a PII fix with no frozen copy, so it stays out (and its phone number with it).
        var dpo = Assert.Single(ReadJsonl("dpo.jsonl"));
        Assert.Contains("1,210", dpo.GetProperty("chosen").GetString(), StringComparison.Ordinal);
        Assert.Contains("1,200", dpo.GetProperty("rejected").GetString(), StringComparison.Ordinal);
        Assert.Equal(_rows.OriginalTraceId, dpo.GetProperty("original_trace_id").GetInt64());
        foreach (var file in Directory.GetFiles(Out))
        {
            var text = await File.ReadAllTextAsync(file);
            Assert.DoesNotContain("13812345678", text, StringComparison.Ordinal);
            Assert.DoesNotContain("John Smith", text, StringComparison.Ordinal);
        }

        using var info = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Out, "dataset_info.json")));
        var entries = info.RootElement.EnumerateObject().ToList();
        Assert.Equal(["deepfinance_1_0_0_alpaca", "deepfinance_1_0_0_sharegpt", "deepfinance_1_0_0_dpo"], entries.Select(e => e.Name));
        Assert.All(entries, e => Assert.True(File.Exists(Path.Combine(Out, e.Value.GetProperty("file_name").GetString()!))));
        Assert.True(entries[2].Value.GetProperty("ranking").GetBoolean());
    }

    [Fact]
    public async Task The_dataset_card_counts_equal_the_exported_rows_and_its_hashes_the_files()
    {
        var result = await Exporter.ExportAsync(_rows.ReadyId, ExportFormats.Parse("all"), Out);
        var card = await File.ReadAllTextAsync(Path.Combine(Out, "README.md"));
        var flat = ReadJsonl("flat.jsonl");

        Assert.StartsWith("---\n", card, StringComparison.Ordinal);
        Assert.Contains("license: \"CC-BY-4.0\"", card, StringComparison.Ordinal);
        Assert.Contains("withheld_categories: [\"Compliance & Security\"]", card, StringComparison.Ordinal);
        Assert.Equal(flat.Count, int.Parse(Yaml(card, "rows"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(ReadJsonl("dpo.jsonl").Count, int.Parse(Yaml(card, "preference_pairs"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(CountBy(flat, "kind"), YamlMap(card, "by_kind"));
        Assert.Equal(CountBy(flat, "task_type"), YamlMap(card, "by_task_type"));
        Assert.Equal(CountBy(flat, "difficulty"), YamlMap(card, "by_difficulty"));
        Assert.Equal(CountBy(flat, "origin"), YamlMap(card, "by_origin"));
        Assert.Equal(new Dictionary<string, long> { ["accepted_rewrite"] = 2, ["verified"] = 5 }, YamlMap(card, "by_kind"));

        foreach (var file in result.Files.Where(f => f.Name != "README.md"))
        {
            var sha = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(Out, file.Name))));
            Assert.Contains($"| {file.Name} | {file.Format ?? "—"} | {file.Rows} | {new FileInfo(Path.Combine(Out, file.Name)).Length} | `{sha}` |", card,
                StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_blocked_or_draft_release_is_refused_with_the_reason_and_nothing_is_written()
    {
        var blocked = await Assert.ThrowsAsync<ReleaseExportException>(() => Exporter.ExportAsync(_rows.BlockedId, ExportFormats.All, Out));
        Assert.Contains("blocked", blocked.Message, StringComparison.Ordinal);
        Assert.Contains("PII", blocked.Message, StringComparison.Ordinal);
        var draft = await Assert.ThrowsAsync<ReleaseExportException>(() => Exporter.ExportAsync(_rows.DraftId, ExportFormats.All, Out));
        Assert.Contains("draft", draft.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Out));

        Assert.True(ReleaseRules.CanExport(new DeepFinance.Core.Data.Release { Version = "x", SelectionJson = "{}", CreatedBy = "a", Status = ReleaseStatus.Ready }));
    }

    [Fact]
    public async Task Parquet_reads_back_the_same_schema_and_rows_in_ParquetNet_and_in_hyparquet()
    {
        // Row groups of three rows, so the seven rows span three groups.
        await Exporter.ExportAsync(_rows.ReadyId, [ExportFormat.Parquet, ExportFormat.Flat], Out, new ReleaseExportOptions { ParquetRowGroupSize = 3, PageSize = 2 });
        var path = Path.Combine(Out, "data.parquet");
        var flat = ReadJsonl("flat.jsonl");

        // Parquet.Net: typed schema and every value.
        var dotnetRows = new List<Dictionary<string, object?>>();
        await using (var reader = await ParquetReader.CreateAsync(path))
        {
            Assert.Equal(3, reader.RowGroupCount);
            Assert.Equal("1.0.0", reader.CustomMetadata["deepfinance.release"]);
            var fields = reader.Schema.DataFields;
            Assert.Equal(typeof(long), fields.Single(f => f.Name == "trace_id").ClrType);
            Assert.False(fields.Single(f => f.Name == "trace_id").IsNullable);
            Assert.Equal(typeof(double), fields.Single(f => f.Name == "pass_rate").ClrType);
            Assert.True(fields.Single(f => f.Name == "pass_rate").IsNullable);
            Assert.Equal(typeof(int), fields.Single(f => f.Name == "round").ClrType);
            for (var g = 0; g < reader.RowGroupCount; g++)
            {
                using var group = reader.OpenRowGroupReader(g);
                var count = (int)group.RowCount;
                var columns = new Dictionary<string, object?[]>();
                foreach (var field in fields)
                {
                    columns[field.Name] = await ReadColumnAsync(group, field, count);
                }
                for (var i = 0; i < count; i++)
                {
                    dotnetRows.Add(fields.ToDictionary(f => f.Name, f => columns[f.Name][i]));
                }
            }
        }
        Assert.Equal(flat.Count, dotnetRows.Count);
        for (var i = 0; i < flat.Count; i++)
        {
            foreach (var (name, value) in dotnetRows[i])
            {
                Assert.Equal(FlatValue(flat[i], name), Normalize(value));
            }
        }

        // hyparquet, run by node: the same columns with the same physical types, and the same rows.
        var node = await RunNodeReaderAsync(path);
        Assert.Equal(flat.Count, node.GetProperty("numRows").GetInt32());
        Assert.Equal(3, node.GetProperty("rowGroups").GetInt32());
        var nodeColumns = node.GetProperty("columns").EnumerateArray().ToList();
        Assert.Equal(dotnetRows[0].Keys, nodeColumns.Select(c => c.GetProperty("name").GetString()));
        Assert.Equal("INT64", nodeColumns.Single(c => c.GetProperty("name").GetString() == "trace_id").GetProperty("type").GetString());
        Assert.Equal("REQUIRED", nodeColumns.Single(c => c.GetProperty("name").GetString() == "trace_id").GetProperty("repetition").GetString());
        Assert.Equal("DOUBLE", nodeColumns.Single(c => c.GetProperty("name").GetString() == "pass_rate").GetProperty("type").GetString());
        Assert.Equal("OPTIONAL", nodeColumns.Single(c => c.GetProperty("name").GetString() == "pass_rate").GetProperty("repetition").GetString());
        Assert.Equal("INT32", nodeColumns.Single(c => c.GetProperty("name").GetString() == "round").GetProperty("type").GetString());
        Assert.Equal("BYTE_ARRAY", nodeColumns.Single(c => c.GetProperty("name").GetString() == "question").GetProperty("type").GetString());
        var nodeRows = node.GetProperty("rows").EnumerateArray().ToList();
        for (var i = 0; i < dotnetRows.Count; i++)
        {
            foreach (var (name, value) in dotnetRows[i])
            {
                var cell = nodeRows[i].GetProperty(name);
                Assert.Equal(Normalize(value), cell.ValueKind switch
                {
                    JsonValueKind.Null => null,
                    JsonValueKind.Number => cell.GetDouble(),
                    _ => cell.GetString(),
                });
            }
        }
    }

    [Fact]
    public async Task The_cli_exports_a_release_by_version_and_refuses_a_blocked_one_with_exit_code_2()
    {
        var (code, stdout, stderr) = await CliAsync("--release", ExportFixture.ReadyVersion, "--format", "chat", "--output", Out, "--data", _dir);
        Assert.True(code == 0, stderr);
        Assert.Contains("exported release 1.0.0 (7 rows", stdout, StringComparison.Ordinal);
        Assert.Equal(7, ReadJsonl("chat.jsonl").Count);
        Assert.True(File.Exists(Path.Combine(Out, "README.md")));

        var blockedOut = Path.Combine(_dir, "blocked");
        (code, _, stderr) = await CliAsync("--release", _rows.BlockedId.ToString(System.Globalization.CultureInfo.InvariantCulture), "--format", "all",
            "--output", blockedOut, "--data", _dir);
        Assert.Equal(2, code);
        Assert.Contains("is blocked", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(blockedOut));

        (code, _, stderr) = await CliAsync("--release", "1.0.0", "--format", "csv", "--output", Out, "--data", _dir);
        Assert.Equal(2, code);
        Assert.Contains("Format 'csv' is not one of chat, flat, parquet, alpaca, sharegpt, dpo, all", stderr, StringComparison.Ordinal);

        (code, _, stderr) = await CliAsync("--release", "9.9.9", "--format", "chat", "--output", Out, "--data", _dir);
        Assert.Equal(2, code);
        Assert.Contains("no release with version or id '9.9.9'", stderr, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Out, string Err)> CliAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await ExportCommand.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private List<JsonElement> ReadJsonl(string name) =>
        File.ReadAllLines(Path.Combine(Out, name)).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    private static Dictionary<string, long> CountBy(List<JsonElement> rows, string field) =>
        rows.GroupBy(r => r.GetProperty(field).GetString() ?? "unknown").ToDictionary(g => g.Key, g => (long)g.Count());

    private static string Yaml(string card, string key) => Regex.Match(card, $@"^\s*{key}: (.+)$", RegexOptions.Multiline).Groups[1].Value.Trim();

    private static Dictionary<string, long> YamlMap(string card, string key) => JsonSerializer.Deserialize<Dictionary<string, long>>(Yaml(card, key))!;

    /// <summary>A flat JSONL value in the form the Parquet column holds it (options as a JSON string, numbers as doubles).</summary>
    private static object? FlatValue(JsonElement row, string name)
    {
        var value = row.GetProperty(name);
        return value.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.Number => value.GetDouble(),
            JsonValueKind.Array => JsonSerializer.Serialize(value.EnumerateArray().Select(v => v.GetString()).ToList()),
            _ => value.GetString(),
        };
    }

    private static object? Normalize(object? value) => value switch
    {
        null => null,
        long l => (double)l,
        int i => (double)i,
        double d => d,
        _ => value.ToString(),
    };

    private static async Task<object?[]> ReadColumnAsync(ParquetRowGroupReader group, Parquet.Schema.DataField field, int count)
    {
        var type = field.ClrType;
        if (type == typeof(string) || type == typeof(ReadOnlyMemory<char>))
        {
            var values = new string?[count];
            await group.ReadAsync(field, values.AsMemory()!);
            return values;
        }
        if (type == typeof(long) && !field.IsNullable)
        {
            var values = new long[count];
            await group.ReadAsync<long>(field, values.AsMemory());
            return values.Cast<object?>().ToArray();
        }
        if (type == typeof(int) && !field.IsNullable)
        {
            var values = new int[count];
            await group.ReadAsync<int>(field, values.AsMemory());
            return values.Cast<object?>().ToArray();
        }
        if (type == typeof(long))
        {
            var values = new long?[count];
            await group.ReadAsync<long>(field, values.AsMemory());
            return values.Select(v => (object?)v).ToArray();
        }
        var doubles = new double?[count];
        await group.ReadAsync<double>(field, doubles.AsMemory());
        return doubles.Select(v => (object?)v).ToArray();
    }

    /// <summary>tests/tools/parquet-reader/read.mjs under node; `npm ci` in that folder installs hyparquet (.ci/run does it).</summary>
    private static async Task<JsonElement> RunNodeReaderAsync(string parquet)
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "DeepFinance.sln")))
        {
            dir = Path.GetDirectoryName(dir);
        }
        var tool = Path.Combine(dir ?? throw new InvalidOperationException("repository root not found"), "tests", "tools", "parquet-reader");
        Assert.True(Directory.Exists(Path.Combine(tool, "node_modules", "hyparquet")), $"hyparquet is not installed: run `npm ci` in {tool}");
        var start = new ProcessStartInfo("node", ["read.mjs", parquet])
        {
            WorkingDirectory = tool, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"node read.mjs failed: {await stderr}");
        return JsonDocument.Parse(await stdout).RootElement.Clone();
    }
}
