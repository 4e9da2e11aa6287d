using DeepFinance.Cli.Commands;
using DeepFinance.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Tests.Ingest;

/// <summary>`deepfinance import` on a real data directory: exit codes, errors by line, all or nothing.</summary>
public sealed class ImportCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "df-cli-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task A_broken_line_exits_2_naming_the_file_and_line_and_imports_nothing()
    {
        Directory.CreateDirectory(_dir);
        var good = Path.Combine(_dir, "good.jsonl");
        await File.WriteAllTextAsync(good, "{\"question\":\"q1\",\"answer\":\"1\"}\n{\"question\":\"q2\",\"answer\":\"2\"}\n");
        var bad = Path.Combine(_dir, "bad.jsonl");
        await File.WriteAllTextAsync(bad, "{\"question\":\"q1\",\"answer\":\"1\"}\n{\"question\":\"q2\",\"answer\":\"2\"}\n{\"question\":\"q3\"\n");

        var (okCode, okOut, _) = await RunAsync("--input", good, "--name", "good", "--data", _dir);
        Assert.Equal(0, okCode);
        Assert.Contains("imported 2 items", okOut, StringComparison.Ordinal);

        var (code, _, err) = await RunAsync("--input", bad, "--name", "bad", "--data", _dir);
        Assert.Equal(2, code);
        Assert.Contains($"{bad} line 3", err, StringComparison.Ordinal);
        Assert.Contains("nothing was imported", err, StringComparison.Ordinal);

        await using var db = new DeepFinanceDbContext(new DbContextOptionsBuilder<DeepFinanceDbContext>()
            .UseSqlite($"Data Source={Path.Combine(_dir, "deepfinance.db")}").Options);
        Assert.Equal(["good"], await db.SeedSources.Select(s => s.Name).ToListAsync());
        Assert.Equal(2, await db.SeedItems.CountAsync());
    }

    [Fact]
    public async Task An_unread_column_exits_2_naming_it_and_the_flag_imports_the_options()
    {
        Directory.CreateDirectory(_dir);
        var exam = Path.Combine(_dir, "exam.csv");
        await File.WriteAllTextAsync(exam, ",Question,A,B,C,D,Answer\n0,Which is a liability?,Loans,Deposits,Bonds,Bills,B\n");

        var (code, _, err) = await RunAsync("--input", exam, "--data", _dir);
        Assert.Equal(2, code);
        Assert.Contains($"{exam} line 1, (column 1, no name):", err, StringComparison.Ordinal);
        Assert.Contains("--ignore-unknown-columns", err, StringComparison.Ordinal);

        var (okCode, okOut, okErr) = await RunAsync("--input", exam, "--data", _dir, "--ignore-unknown-columns");
        Assert.True(okCode == 0, okErr);
        Assert.Contains("ignored columns: (column 1, no name)", okOut, StringComparison.Ordinal);
        await using var db = new DeepFinanceDbContext(new DbContextOptionsBuilder<DeepFinanceDbContext>()
            .UseSqlite($"Data Source={Path.Combine(_dir, "deepfinance.db")}").Options);
        Assert.Equal(["Loans", "Deposits", "Bonds", "Bills"], (await db.SeedItems.SingleAsync()).Options);
        Assert.Equal(1, await db.SeedSources.CountAsync());
    }

    [Fact]
    public async Task A_mapping_file_previews_and_imports_a_json_array_and_the_saved_name_is_reused()
    {
        Directory.CreateDirectory(_dir);
        var exam = Path.Combine(_dir, "exam.json");
        await File.WriteAllTextAsync(exam, """
            [{"stem": "Which is a bank's liability?", "opts": "{'A': 'Loans', 'B': 'Deposits'}", "key": "B"},
             {"stem": "Which are liquid?", "opts": "{'A': 'Cash', 'B': 'Land', 'C': 'T-bills'}", "key": "AC"}]
            """);
        var mappingFile = Path.Combine(_dir, "exam-mapping.json");
        await File.WriteAllTextAsync(mappingFile, """{"shape": "flat", "question": "stem", "answer": "key", "options": "opts"}""");

        var (previewCode, previewOut, previewErr) = await RunAsync("--input", exam, "--mapping", mappingFile, "--preview", "--save-mapping", "exam", "--data", _dir);
        Assert.True(previewCode == 0, previewErr);
        Assert.Contains("element 2: question=Which are liquid? options=Cash | Land | T-bills answer=AC", previewOut, StringComparison.Ordinal);
        Assert.Contains("nothing was written", previewOut, StringComparison.Ordinal);

        var (code, output, err) = await RunAsync("--input", exam, "--name", "exam", "--mapping", "exam", "--data", _dir);
        Assert.True(code == 0, err);
        Assert.Contains("imported 2 items", output, StringComparison.Ordinal);
        await using var db = new DeepFinanceDbContext(new DbContextOptionsBuilder<DeepFinanceDbContext>()
            .UseSqlite($"Data Source={Path.Combine(_dir, "deepfinance.db")}").Options);
        var items = await db.SeedItems.OrderBy(i => i.LineNumber).ToListAsync();
        Assert.Equal(["Loans", "Deposits"], items[0].Options);
        Assert.Equal("AC", items[1].Answer);

        var (badCode, _, badErr) = await RunAsync("--input", exam, "--mapping", "no-such-mapping", "--data", _dir);
        Assert.Equal(2, badCode);
        Assert.Contains("neither a file nor the name of a saved mapping", badErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_input_option_is_a_usage_error()
    {
        var (code, _, err) = await RunAsync("--name", "x");
        Assert.Equal(2, code);
        Assert.Contains("--input", err, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await ImportCommand.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }
}
