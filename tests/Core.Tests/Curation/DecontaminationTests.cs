using System.Text;
using DeepFinance.Core.Curation;
using DeepFinance.Core.Data;
using DeepFinance.Core.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Core.Tests.Curation;

/// <summary>
/// Benchmark import and decontamination on a real SQLite file: planted copies of benchmark items are caught and
/// stored once however often the scan runs; unrelated questions stay clean; a bad benchmark file is refused by line.
/// </summary>
public sealed class DecontaminationTests : IAsyncLifetime
{
    private PipelineHarness _h = null!;

    public async Task InitializeAsync() => _h = await PipelineHarness.StartAsync(settings: new Dictionary<string, string?>
    {
        // Small pages, so the test crosses page boundaries.
        ["DeepFinance:Decontamination:PageSize"] = "10",
    });

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private static readonly string BenchmarkJsonl = string.Join('\n',
        """{"id":"fe-1","question":"某公司2023年净利润为500万元，发行在外的普通股加权平均数为1000万股，则该公司的基本每股收益为多少元？","answer":"0.5","task_type":"Math","difficulty":"简单"}""",
        """{"id":"fe-2","question":"下列关于商业银行流动性覆盖率的说法中，正确的是哪一项？","options":["分子为合格优质流动性资产","分母为未来一年的现金净流出"],"answer":"A","difficulty":"medium"}""",
        """{"id":"fq-3","question":"A bond with a face value of $1,000 pays an annual coupon of 6% and matures in 5 years. If the market yield is 8%, what is the price of the bond?","answer":"920.15","task_type":"Math","difficulty":"hard"}""") + "\n";

    private async Task<long> ImportBenchmarkAsync(string fileName, string content, string name = "fin-bench")
    {
        var result = await _h.Services.GetRequiredService<BenchmarkImporter>().ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes(content)), fileName, name, "tester");
        Assert.True(result.Succeeded, string.Join("; ", result.Errors));
        return result.SetId!.Value;
    }

    private async Task<Dictionary<string, long>> PlantAsync(params (string Key, string Text)[] questions)
    {
        await using var db = await _h.Db.CreateDbContextAsync();
        var rows = questions.Select(q => (q.Key, Row: new Question
        {
            Origin = QuestionOrigin.Q2A, Text = q.Text, Language = q.Text.Any(c => c >= '\u4e00' && c <= '\u9fff') ? "zh" : "en", CreatedAt = DateTimeOffset.UtcNow,
        })).ToList();
        db.Questions.AddRange(rows.Select(r => r.Row));
        await db.SaveChangesAsync();
        return rows.ToDictionary(r => r.Key, r => r.Row.Id);
    }

    [Fact]
    public async Task Planted_copies_are_caught_unrelated_questions_are_not_and_a_rerun_adds_nothing()
    {
        var setId = await ImportBenchmarkAsync("fin-bench.jsonl", BenchmarkJsonl);
        // Filler questions around the planted ones, so hits fall on several pages.
        var filler = Enumerable.Range(1, 25).Select(i => ($"filler{i}", $"某企业第{i}年应收账款周转天数为{30 + i}天，存货周转天数为{40 + i}天，营业周期为多少天？")).ToArray();
        var ids = await PlantAsync([
            .. filler,
            ("exact", "某公司2023年净利润为500万元，发行在外的普通股加权平均数为1000万股，则该公司的基本每股收益为多少元？"),
            ("width", "某公司２０２３年净利润为５００万元  发行在外的普通股加权平均数为１，０００万股。则该公司的基本每股收益为多少元?"),
            ("edited", "某公司2023年的净利润是500万元，发行在外的普通股加权平均数为1000万股，该公司基本每股收益为多少元？"),
            ("english", "A bond with a par value of $1,000 pays an annual coupon of 6% and matures in 5 years. If the market yield is 8%, what is the price of this bond?"),
            ("unrelated-zh", "某公司2023年营业收入为800万元，营业成本为500万元，则该公司的毛利率为多少？"),
            ("unrelated-en", "A bond with a face value of $1,000 is callable after 3 years. What is the yield to call if the call price is $1,050?"),
        ]);
        var decontaminator = _h.Services.GetRequiredService<Decontaminator>();
        var reports = new List<DecontaminationProgress>();
        var first = await decontaminator.RunAsync(new DecontaminationScope(setId), new SyncProgress(reports));

        Assert.Equal(3, first.Items);
        Assert.Equal(31, first.Scanned);
        Assert.Equal(4, first.Added);
        Assert.True(reports.Count >= 4, "progress is reported per page");
        Assert.Equal(31, reports[^1].Scanned);
        Assert.Equal(31, reports[^1].Total);

        var index = _h.Services.GetRequiredService<IContaminationIndex>();
        foreach (var key in new[] { "exact", "width", "edited", "english" })
        {
            Assert.True(await index.IsContaminatedAsync(ids[key]), key);
        }
        foreach (var key in new[] { "unrelated-zh", "unrelated-en", "filler1" })
        {
            Assert.False(await index.IsContaminatedAsync(ids[key]), key);
        }
        await using (var db = await _h.Db.CreateDbContextAsync())
        {
            var exact = await db.ContaminationHits.Where(h => h.Method == "exact").Select(h => h.QuestionId).ToListAsync();
            Assert.Equal(["exact", "width"], exact.Select(q => ids.First(kv => kv.Value == q).Key).Order());
            // The release builder's query: contaminated questions leave the pool in SQL.
            var clean = await index.Clean(db, db.Questions).CountAsync();
            Assert.Equal(31 - 4, clean);
            Assert.Equal(4, await index.ContaminatedQuestionIds(db).CountAsync());
        }

        var again = await decontaminator.RunAsync(new DecontaminationScope(setId));
        Assert.Equal((0, 0, 4), (again.Added, again.Removed, again.Hits));
        await using (var db = await _h.Db.CreateDbContextAsync())
        {
            Assert.Equal(4, await db.ContaminationHits.CountAsync());
        }

        var (total, rows) = await _h.Services.GetRequiredService<BenchmarkQueries>().HitsAsync(setId, 1, 2);
        Assert.Equal(4, total);
        Assert.Equal(2, rows.Count);
        Assert.Equal(1.0, rows[0].Score);
        Assert.Contains("基本每股收益", rows[0].ItemQuestion);
        var (_, english) = await _h.Services.GetRequiredService<BenchmarkQueries>().HitsAsync(setId, 1, 10, search: "par value");
        Assert.Equal("fq-3", Assert.Single(english).ItemExternalId);
    }

    [Fact]
    public async Task A_stricter_setting_on_rerun_removes_the_hits_that_no_longer_pass()
    {
        var setId = await ImportBenchmarkAsync("fin-bench.jsonl", BenchmarkJsonl);
        await PlantAsync(
            ("exact", "某公司2023年净利润为500万元，发行在外的普通股加权平均数为1000万股，则该公司的基本每股收益为多少元？"),
            ("english", "A bond with a par value of $1,000 pays an annual coupon of 6% and matures in 5 years. If the market yield is 8%, what is the price of this bond?"));
        Assert.Equal(2, (await _h.Services.GetRequiredService<Decontaminator>().RunAsync(new DecontaminationScope(setId))).Hits);

        var strict = new Decontaminator(_h.Db,
            Microsoft.Extensions.Options.Options.Create(new DecontaminationOptions { NgramThreshold = 0.95, MaxTokenDifference = 0 }),
            Microsoft.Extensions.Options.Options.Create(new DedupOptions()), TextNormalizer.Instance, TimeProvider.System);
        var result = await strict.RunAsync(new DecontaminationScope(setId));
        Assert.Equal((1, 1), (result.Hits, result.Removed));
    }

    [Fact]
    public async Task A_benchmark_imports_options_task_type_and_difficulty_from_jsonl_and_csv()
    {
        var jsonl = await ImportBenchmarkAsync("b.jsonl", BenchmarkJsonl, "jsonl-set");
        var csv = await ImportBenchmarkAsync("b.csv", "id,question,A,B,C,answer,difficulty,task_type\nc1,以下哪项属于负债业务？,发放贷款,吸收存款,购买国债,B,hard,Knowledge QA\n", "csv-set");
        await using var db = await _h.Db.CreateDbContextAsync();
        var items = await db.BenchmarkItems.Where(i => i.BenchmarkSetId == jsonl).OrderBy(i => i.LineNumber).ToListAsync();
        Assert.Equal([Difficulty.Simple, Difficulty.Medium, Difficulty.Hard], items.Select(i => i.Difficulty!.Value));
        Assert.Equal(["分子为合格优质流动性资产", "分母为未来一年的现金净流出"], items[1].Options!);
        var row = await db.BenchmarkItems.SingleAsync(i => i.BenchmarkSetId == csv);
        Assert.Equal((TaskType.KnowledgeQa, Difficulty.Hard, "c1"), (row.TaskType!.Value, row.Difficulty!.Value, row.ExternalId));
        Assert.Equal(3, row.Options!.Count);
        var set = await db.BenchmarkSets.SingleAsync(s => s.Id == jsonl);
        Assert.Equal((3, 64), (set.ItemCount, set.ContentSha256.Length));
    }

    public static TheoryData<string, string, int, string> BadFiles => new()
    {
        { "b.jsonl", BenchmarkJsonl + "{\"question\":\"q\",\"answer\":\"1\",\"difficulty\":\"extreme\"}\n", 4, "difficulty" },
        { "b.jsonl", BenchmarkJsonl + "{\"question\":\"q\"\n", 4, "invalid JSON" },
        { "b.jsonl", BenchmarkJsonl + "{\"question\":\"q\",\"answer\":\"1\",\"subject\":\"银行\"}\n", 4, "subject" },
        { "b.jsonl", "{\"id\":\"x\",\"question\":\"q\",\"answer\":\"1\"}\n{\"id\":\"x\",\"question\":\"r\",\"answer\":\"2\"}\n", 2, "duplicate id" },
        { "b.jsonl", "{\"question\":\"q\",\"answer\":\"E\",\"options\":[\"a\",\"b\"]}\n", 1, "answer" },
        { "b.csv", "question,answer\nq1,1\n\"q2,2\n", 3, "never closed" },
        { "b.csv", "question,answer,source\nq1,1,exam\n", 2, "source" },
        { "b.csv", "question,id\nq1,1\n", 1, "answer" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public async Task A_bad_benchmark_file_is_refused_by_line_and_nothing_is_stored(string fileName, string content, int line, string problem)
    {
        var result = await _h.Services.GetRequiredService<BenchmarkImporter>().ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes(content)), fileName, "bad", "tester");
        Assert.False(result.Succeeded);
        Assert.Contains(result.Errors, e => e.Line == line && (e.Field + " " + e.Message).Contains(problem, StringComparison.Ordinal));
        await using var db = await _h.Db.CreateDbContextAsync();
        Assert.Equal((0, 0), (await db.BenchmarkSets.CountAsync(), await db.BenchmarkItems.CountAsync()));
    }

    [Fact]
    public async Task A_second_set_with_the_same_name_is_refused()
    {
        await ImportBenchmarkAsync("b.jsonl", BenchmarkJsonl, "same");
        var again = await _h.Services.GetRequiredService<BenchmarkImporter>().ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes(BenchmarkJsonl)), "b.jsonl", "same", "tester");
        Assert.Contains("already exists", Assert.Single(again.Errors).Message);
    }

    /// <summary>Reports synchronously (Progress&lt;T&gt; posts to the thread pool, so a test could read before the last report).</summary>
    private sealed class SyncProgress(List<DecontaminationProgress> reports) : IProgress<DecontaminationProgress>
    {
        public void Report(DecontaminationProgress value) => reports.Add(value);
    }
}
