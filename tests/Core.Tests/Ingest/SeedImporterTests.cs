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

    private Task<ImportResult> ImportAsync(string fileName, string content, bool ignoreUnknownColumns) =>
        _h.Services.GetRequiredService<SeedImporter>().ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes(content)), fileName, "test", "tester",
            ignoreUnknownColumns);

    // The shape of a public exam set saved by pandas: an index column with an empty name, then one column per option.
    private const string ExamCsv = """
        ,Question,A,B,C,D,Answer
        0,以下哪项属于商业银行的负债业务？,发放贷款,吸收存款,购买国债,票据贴现,B
        1,"Which are money-market instruments?
        Choose all that apply.",Treasury bills,Commercial paper,Common stock,Certificates of deposit,"A,B,D"
        2,Which measures liquidity?,Current ratio,ROE,Gross margin,,A
        """;

    [Fact]
    public async Task An_exam_csv_with_an_unnamed_index_column_is_refused_naming_it_and_nothing_is_written()
    {
        var result = await ImportAsync("exam.csv", ExamCsv, ignoreUnknownColumns: false);

        Assert.False(result.Succeeded);
        var error = Assert.Single(result.Errors);
        Assert.Equal(1, error.Line);
        Assert.Equal("(column 1, no name)", error.Field);
        Assert.Contains("does not read", error.Message, StringComparison.Ordinal);
        Assert.True(result.RefusedForUnknownColumns);
        Assert.Equal(1, Assert.Single(result.UnknownColumns).Column);
        Assert.Equal((0, 0), await CountsAsync());
    }

    [Fact]
    public async Task An_exam_csv_imported_with_acknowledgement_stores_the_letter_columns_as_options()
    {
        var result = await ImportAsync("exam.csv", ExamCsv, ignoreUnknownColumns: true);

        Assert.True(result.Succeeded, string.Join("; ", result.Errors));
        Assert.Equal(3, result.ItemCount);
        Assert.Equal("(column 1, no name)", Assert.Single(result.UnknownColumns).Display);
        await using var db = await _h.Db.CreateDbContextAsync();
        var items = await db.SeedItems.OrderBy(i => i.LineNumber).ToListAsync();
        Assert.Equal(["发放贷款", "吸收存款", "购买国债", "票据贴现"], items[0].Options);
        Assert.Equal("B", items[0].Answer);
        Assert.Equal(["Treasury bills", "Commercial paper", "Common stock", "Certificates of deposit"], items[1].Options);
        Assert.Equal("A,B,D", items[1].Answer);
        // A three-option row in a four-column file: the empty trailing cell is not an option.
        Assert.Equal(["Current ratio", "ROE", "Gross margin"], items[2].Options);
        Assert.Equal([2, 3, 5], items.Select(i => i.LineNumber));
    }

    public static TheoryData<string, string, int, string, string> RefusedChoiceFiles => new()
    {
        { "outside.csv", "Question,A,B,C,Answer\nq1,x,y,z,B\nq2,x,y,,C\n", 3, "answer", "names option C, but the item has 2 option(s) (A–B)" },
        { "outside-multi.csv", "question,a,b,c,d,answer\nq1,w,x,y,z,A、E\n", 2, "answer", "names option E" },
        { "gap.csv", "question,A,B,D,answer\nq1,x,y,z,A\n", 1, "D", "D without C" },
        { "hole.csv", "question,A,B,C,answer\nq1,x,y,z,A\nq2,x,,z,A\n", 3, "B", "option C after it is filled" },
        { "both.csv", "question,options,A,B,answer\nq1,,x,y,A\n", 1, "options", "both" },
        { "twice.csv", "question,answer,Answer\nq1,A,B\n", 1, "Answer", "repeats column 2" },
        { "outside.jsonl", "{\"question\":\"q1\",\"answer\":\"A\",\"options\":[\"x\",\"y\"]}\n{\"question\":\"q2\",\"answer\":\"AC\",\"options\":[\"x\",\"y\"]}\n", 2, "answer", "names option C" },
        { "letters.jsonl", "{\"question\":\"q1\",\"answer\":\"D\",\"A\":\"x\",\"B\":\"y\",\"C\":\"z\"}\n", 1, "answer", "names option D" },
    };

    [Theory]
    [MemberData(nameof(RefusedChoiceFiles))]
    public async Task Options_and_choice_answers_that_do_not_fit_are_refused_by_line_and_field(string fileName, string content, int line, string field, string problem)
    {
        var result = await ImportAsync(fileName, content, ignoreUnknownColumns: true);

        Assert.False(result.Succeeded);
        var error = Assert.Single(result.Errors);
        Assert.Equal((line, field), (error.Line, error.Field));
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.Equal((0, 0), await CountsAsync());
    }

    [Fact]
    public async Task Jsonl_unread_fields_are_named_with_their_first_line_and_need_acknowledgement()
    {
        var jsonl = """
            {"question":"q1","answer":"1"}
            {"question":"q2","answer":"2","explanation":"because","meta":{"year":2021}}
            {"question":"q3","answer":"A、C","A":"x","B":"y","C":"z","explanation":"again"}
            """;

        var refused = await ImportAsync("extra.jsonl", jsonl, ignoreUnknownColumns: false);
        Assert.Equal([(2, "explanation"), (2, "meta")], refused.Errors.Select(e => (e.Line, e.Field)));
        Assert.Equal((0, 0), await CountsAsync());

        var accepted = await ImportAsync("extra.jsonl", jsonl, ignoreUnknownColumns: true);
        Assert.True(accepted.Succeeded, string.Join("; ", accepted.Errors));
        Assert.Equal(["explanation", "meta"], accepted.UnknownColumns.Select(c => c.Name));
        await using var db = await _h.Db.CreateDbContextAsync();
        Assert.Equal(["x", "y", "z"], (await db.SeedItems.SingleAsync(i => i.LineNumber == 3)).Options);
    }

    [Theory]
    [InlineData("B", "B")]
    [InlineData("ABD", "ABD")]
    [InlineData("A,C", "AC")]
    [InlineData("A、C", "AC")]
    [InlineData("A C", "AC")]
    [InlineData("True", null)]
    [InlineData("b", null)]
    [InlineData("30000", null)]
    public void What_counts_as_a_choice_answer(string answer, string? letters) =>
        Assert.Equal(letters, SeedFields.ChoiceLetters(answer));

    [Fact]
    public async Task A_letter_answer_without_options_or_equal_to_an_option_text_is_kept()
    {
        // Options written into the question text are not parsed, so a bare letter cannot be checked there.
        var jsonl = """
            {"question":"Which is a liability? A. loans B. deposits","answer":"B"}
            {"question":"Which ratio uses net income over equity?","answer":"ROE","options":["ROA","ROE"]}
            """;
        var result = await ImportAsync("kept.jsonl", jsonl, ignoreUnknownColumns: false);
        Assert.True(result.Succeeded, string.Join("; ", result.Errors));
        Assert.Equal(2, result.ItemCount);
    }
}
