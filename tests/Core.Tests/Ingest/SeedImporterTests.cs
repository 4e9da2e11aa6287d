using System.Text;
using DeepFinance.Core.Data;
using DeepFinance.Core.Ingest;
using DeepFinance.Core.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Core.Tests.Ingest;

public sealed class SeedImporterTests : IAsyncLifetime
{
    private PipelineHarness _h = null!;

    public async Task InitializeAsync() => _h = await PipelineHarness.StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private Task<ImportResult> ImportAsync(string fileName, byte[] content) =>
        _h.Services.GetRequiredService<SeedImporter>().ImportAsync(new MemoryStream(content), fileName, "test", "tester");

    private async Task<(int Sources, int Items)> CountsAsync()
    {
        await using var db = await _h.Db.CreateDbContextAsync();
        return (await db.SeedSources.CountAsync(), await db.SeedItems.CountAsync());
    }

    [Fact]
    public async Task A_good_jsonl_file_imports_every_item_with_options_and_task_type()
    {
        var result = await ImportAsync("a.jsonl", Encoding.UTF8.GetBytes(string.Join('\n', PipelineHarness.SeedLines) + "\n\n"));
        Assert.True(result.Succeeded);
        Assert.Equal(5, result.ItemCount);
        await using var db = await _h.Db.CreateDbContextAsync();
        var source = await db.SeedSources.SingleAsync();
        Assert.Equal(5, source.ItemCount);
        Assert.Equal(64, source.ContentSha256.Length);
        var item = await db.SeedItems.SingleAsync(i => i.ExternalId == "t3");
        Assert.Equal(TaskType.KnowledgeQa, item.TaskType);
        Assert.Equal(3, item.LineNumber);
    }

    public static TheoryData<string, string, int, string> BadFiles => new()
    {
        { "broken.jsonl", "{\"question\":\"q1\",\"answer\":\"1\"}\n{\"question\":\"q2\",\"answer\":\"2\"}\n{\"question\":\"q3\",\"answer\":\"3\"\n", 3, "invalid JSON" },
        { "missing.jsonl", "{\"question\":\"q1\",\"answer\":\"1\"}\n{\"question\":\"q2\"}\n", 2, "answer" },
        { "empty.jsonl", "{\"question\":\"\",\"answer\":\"1\"}\n", 1, "question" },
        { "tasktype.jsonl", "{\"question\":\"q\",\"answer\":\"1\",\"task_type\":\"Poetry\"}\n", 1, "task_type" },
        { "options.jsonl", "{\"question\":\"q\",\"answer\":\"A\",\"options\":\"A,B\"}\n", 1, "options" },
        { "dupe.jsonl", "{\"id\":\"x\",\"question\":\"q\",\"answer\":\"1\"}\n{\"id\":\"x\",\"question\":\"q\",\"answer\":\"1\"}\n", 2, "duplicate id" },
        { "array.jsonl", "[1,2]\n", 1, "JSON object" },
        { "bad.csv", "question,answer\n\"q1\",1\nonly-one-column\n", 3, "columns" },
        { "noanswer.csv", "question,id\nq1,1\n", 1, "answer" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public async Task A_bad_file_is_refused_naming_the_line_and_nothing_is_written(string fileName, string content, int line, string problem)
    {
        await ImportAsync("good.jsonl", Encoding.UTF8.GetBytes(PipelineHarness.SeedLines[0]));
        var before = await CountsAsync();

        var result = await ImportAsync(fileName, Encoding.UTF8.GetBytes(content));

        Assert.False(result.Succeeded);
        var error = Assert.Single(result.Errors, e => e.Line == line);
        Assert.Contains(problem, error.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(before, await CountsAsync());
    }

    [Fact]
    public async Task A_file_in_the_wrong_encoding_is_refused_at_the_line_with_the_bad_bytes()
    {
        var gbk = new byte[] { 0xC4, 0xE3, 0xBA, 0xC3 }; // "你好" in GBK, not UTF-8
        var content = Encoding.UTF8.GetBytes("{\"question\":\"q1\",\"answer\":\"1\"}\n{\"question\":\"")
            .Concat(gbk).Concat(Encoding.UTF8.GetBytes("\",\"answer\":\"2\"}\n")).ToArray();
        var result = await ImportAsync("gbk.jsonl", content);
        var error = Assert.Single(result.Errors);
        Assert.Equal(2, error.Line);
        Assert.Contains("UTF-8", error.Message, StringComparison.Ordinal);
        Assert.Equal((0, 0), await CountsAsync());
    }

    [Fact]
    public async Task A_utf16_file_is_refused_with_a_hint()
    {
        var result = await ImportAsync("u16.jsonl", Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("{\"question\":\"q\",\"answer\":\"1\"}")).ToArray());
        Assert.Contains("UTF-16", Assert.Single(result.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Many_problems_are_reported_up_to_the_limit()
    {
        var lines = Enumerable.Range(1, 200).Select(i => "{\"question\":\"q\"}");
        var result = await ImportAsync("many.jsonl", Encoding.UTF8.GetBytes(string.Join('\n', lines)));
        Assert.Equal(SeedImporter.MaxReportedErrors, result.Errors.Count);
        Assert.Equal(Enumerable.Range(1, SeedImporter.MaxReportedErrors), result.Errors.Select(e => e.Line));
    }

    [Fact]
    public async Task Csv_with_quoted_multiline_fields_and_piped_options_imports()
    {
        var csv = "id,question,answer,options,task_type\nc1,\"Which is a liability?\nPick one.\",B,存款|贷款|国债,Knowledge QA\nc2,\"He said \"\"hi\"\"\",yes,,NLP\n";
        var result = await ImportAsync("s.csv", Encoding.UTF8.GetBytes(csv));
        Assert.True(result.Succeeded, string.Join("; ", result.Errors));
        await using var db = await _h.Db.CreateDbContextAsync();
        var first = await db.SeedItems.SingleAsync(i => i.ExternalId == "c1");
        Assert.Equal("Which is a liability?\nPick one.", first.Question);
        Assert.Equal(["存款", "贷款", "国债"], first.Options);
        Assert.Equal(2, first.LineNumber);
        Assert.Equal("He said \"hi\"", (await db.SeedItems.SingleAsync(i => i.ExternalId == "c2")).Question);
    }
}
