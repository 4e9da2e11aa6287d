using DeepFinance.Cli.Commands;
using DeepFinance.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Tests.Curation;

/// <summary>`deepfinance benchmark import` and `deepfinance decontaminate` on a real data directory.</summary>
public sealed class DecontaminateCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "df-decon-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task Decontaminate_imports_the_file_prints_each_pair_and_a_rerun_reuses_the_set()
    {
        Directory.CreateDirectory(_dir);
        var bench = Path.Combine(_dir, "fineval.jsonl");
        await File.WriteAllTextAsync(bench,
            "{\"id\":\"fe-1\",\"question\":\"某公司2023年净利润为500万元，发行在外的普通股加权平均数为1000万股，则该公司的基本每股收益为多少元？\",\"answer\":\"0.5\"}\n");
        var seeds = Path.Combine(_dir, "seeds.jsonl");
        await File.WriteAllTextAsync(seeds,
            "{\"question\":\"某公司２０２３年净利润为500万元，发行在外的普通股加权平均数为1,000万股，则该公司的基本每股收益为多少元\",\"answer\":\"0.5\"}\n"
            + "{\"question\":\"某公司2023年营业收入为800万元，营业成本为500万元，则该公司的毛利率为多少？\",\"answer\":\"37.5%\"}\n");
        Assert.Equal(0, (await ImportCommand.RunAsync(["--input", seeds, "--name", "exam", "--data", _dir], TextWriter.Null, TextWriter.Null)));
        await using (var db = Open())
        {
            // Questions as Q2A would make them from the seeds.
            foreach (var item in await db.SeedItems.ToListAsync())
            {
                db.Questions.Add(new Question { Origin = QuestionOrigin.Q2A, SeedItemId = item.Id, Text = item.Question, Language = "zh", CreatedAt = DateTimeOffset.UtcNow });
            }
            await db.SaveChangesAsync();
        }

        var (code, output, error) = await RunAsync(DecontaminateCommand.RunAsync, "--benchmark", bench, "--source", "exam", "--data", _dir);
        Assert.True(code == 0, error);
        Assert.Contains("question 1 ~ fineval line 1 (fe-1): exact 1.00", output, StringComparison.Ordinal);
        Assert.Contains("2 questions scanned against 1 benchmark items: 1 hits (1 new", output, StringComparison.Ordinal);

        var (again, output2, _) = await RunAsync(DecontaminateCommand.RunAsync, "--benchmark", bench, "--data", _dir);
        Assert.Equal(0, again);
        Assert.Contains("1 hits (0 new, 0 updated, 0 removed)", output2, StringComparison.Ordinal);
        await using var check = Open();
        Assert.Equal((1, 1), (await check.BenchmarkSets.CountAsync(), await check.ContaminationHits.CountAsync()));
    }

    [Fact]
    public async Task A_bad_benchmark_file_exits_2_naming_the_line()
    {
        Directory.CreateDirectory(_dir);
        var bench = Path.Combine(_dir, "bad.csv");
        await File.WriteAllTextAsync(bench, "question,answer,difficulty\nq1,1,easy\nq2,2,brutal\n");
        var (code, _, error) = await RunAsync(DecontaminateCommand.BenchmarkAsync, "import", "--input", bench, "--data", _dir);
        Assert.Equal(2, code);
        Assert.Contains($"{bench} line 3, difficulty:", error, StringComparison.Ordinal);
        var (missing, _, usage) = await RunAsync(DecontaminateCommand.RunAsync, "--set", "nope", "--data", _dir);
        Assert.Equal(2, missing);
        Assert.Contains("no benchmark set named \"nope\"", usage, StringComparison.Ordinal);
    }

    private DeepFinanceDbContext Open() => new(new DbContextOptionsBuilder<DeepFinanceDbContext>()
        .UseSqlite($"Data Source={Path.Combine(_dir, "deepfinance.db")}").Options);

    private static async Task<(int Code, string Out, string Err)> RunAsync(Func<string[], TextWriter, TextWriter, Task<int>> command, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await command(args, stdout, stderr);
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
