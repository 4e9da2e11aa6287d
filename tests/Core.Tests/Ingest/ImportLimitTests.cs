using System.Text;
using DeepFinance.Core.Data;
using DeepFinance.Core.Ingest;
using DeepFinance.Core.Tests.TestSupport;
using DeepFinance.Web.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Core.Tests.Ingest;

/// <summary>
/// Finding "field lengths have no limit" (a 500 MB one-line JSONL became one seed item): lines, fields and names have
/// limits (DeepFinance:Limits), a refusal names the line and field, and an oversized line is counted, never held.
/// </summary>
public sealed class ImportLimitTests : IAsyncLifetime
{
    private PipelineHarness _h = null!;

    public async Task InitializeAsync() => _h = await PipelineHarness.StartAsync(settings: new Dictionary<string, string?>
    {
        ["DeepFinance:Limits:MaxFieldChars"] = "1000",
    });

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private SeedImporter Importer => _h.Services.GetRequiredService<SeedImporter>();

    private static readonly byte[] TwoGoodLines =
        "{\"question\":\"What is 1+1?\",\"answer\":\"2\"}\n{\"question\":\"What is 2+2?\",\"answer\":\"4\"}\n{\"question\":\""u8.ToArray();

    [Fact]
    public async Task A_600_MB_line_is_refused_by_its_line_number_and_size_and_nothing_is_stored()
    {
        // Line 3 is {"question":" (13 bytes), 599,999,972 x's and ","answer":"1"} (15 bytes): 600,000,000 bytes.
        await using var file = new GeneratedStream(599_999_972, (byte)'x', TwoGoodLines, "\",\"answer\":\"1\"}\n"u8.ToArray());
        var result = await Importer.ImportAsync(file, "huge.jsonl", "huge", "tester");

        Assert.False(result.Succeeded);
        var error = Assert.Single(result.Errors);
        Assert.Equal("line 3: the line is 600,000,000 bytes, over the 1,048,576-byte limit (DeepFinance:Limits:MaxLineBytes)", error.ToString());
        await using var db = await _h.Db.CreateDbContextAsync();
        Assert.Equal(0, await db.SeedSources.CountAsync(s => s.Name == "huge"));
    }

    [Fact]
    public async Task A_csv_quoted_field_spanning_many_short_lines_cannot_grow_past_the_line_limit()
    {
        var csv = new StringBuilder("question,answer\n\"");
        for (var i = 0; i < 30_000; i++)
        {
            csv.Append(new string('y', 60)).Append('\n');
        }
        var result = await Importer.ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes(csv.ToString())), "open-quote.csv", "open", "tester");
        var error = Assert.Single(result.Errors);
        Assert.Contains("the record that starts on line 2 runs past 1,048,576 characters", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("jsonl", "question")]
    [InlineData("jsonl", "answer")]
    [InlineData("csv", "question")]
    public async Task A_field_over_the_configured_limit_is_refused_naming_line_and_field(string format, string field)
    {
        var big = new string('z', 1001);
        var question = field == "question" ? big : "What is 3+3?";
        var answer = field == "answer" ? big : "6";
        var text = format == "csv"
            ? $"question,answer\nWhat is 1+1?,2\n{question},{answer}\n"
            : $"{{\"question\":\"What is 1+1?\",\"answer\":\"2\"}}\n{{\"question\":\"{question}\",\"answer\":\"{answer}\"}}\n";
        var result = await Importer.ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes(text)), "f." + format, "fields", "tester");
        var error = Assert.Single(result.Errors);
        Assert.Equal(format == "csv" ? 3 : 2, error.Line);
        Assert.Equal(field, error.Field);
        Assert.Equal("is 1,001 characters, over the 1,000-character limit (DeepFinance:Limits:MaxFieldChars)", error.Message);
    }

    [Fact]
    public async Task A_seed_source_name_over_the_limit_is_refused_naming_the_field()
    {
        var result = await Importer.ImportAsync(new MemoryStream("{\"question\":\"q?\",\"answer\":\"a\"}\n"u8.ToArray()), "n.jsonl",
            new string('n', 201), "tester");
        var error = Assert.Single(result.Errors);
        Assert.Equal("name", error.Field);
        Assert.Contains("over the 200-character limit", error.Message, StringComparison.Ordinal);
    }
}
