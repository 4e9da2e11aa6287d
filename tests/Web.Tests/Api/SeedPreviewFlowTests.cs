using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DeepFinance.Core.Data;
using DeepFinance.Web.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Web.Tests.Api;

/// <summary>A public exam set with options in a Python-literal string, previewed and imported through <c>/api/v1/seed-sources</c> with a mapping.</summary>
public sealed class SeedPreviewFlowTests : IClassFixture<SeedPreviewFlowTests.App>
{
    public sealed class App() : IDisposable
    {
        public DeepFinanceApp Host { get; } = new();

        public void Dispose() => Host.Dispose();
    }

    // The column names are not ours: the preview cannot guess question/answer from "stem" and "key".
    private static readonly byte[] ExamJson = Encoding.UTF8.GetBytes("""
        [{"no": "e1", "stem": "Which is a bank's liability?", "opts": "{'A': 'Loans', 'B': \"Customers' deposits\"}", "key": "B"},
         {"no": "e2", "stem": "Which are money-market instruments?", "opts": "{'A': 'T-bills', 'B': 'Equities', 'C': 'CDs'}", "key": "AC"}]
        """);

    private const string Mapping = """{"shape":"flat","question":"stem","answer":"key","options":"opts","id":"no"}""";

    private readonly DeepFinanceApp _app;

    public SeedPreviewFlowTests(App fixture) => _app = fixture.Host;

    private static MultipartFormDataContent Upload(string fileName, byte[] content, string? mapping = null, string? mappingName = null, string? name = null)
    {
        var form = new MultipartFormDataContent();
        if (name is not null)
        {
            form.Add(new StringContent(name), "name");
        }
        if (mapping is not null)
        {
            form.Add(new StringContent(mapping), "mapping");
        }
        if (mappingName is not null)
        {
            form.Add(new StringContent(mappingName), "mappingName");
        }
        form.Add(new ByteArrayContent(content), "file", fileName);
        return form;
    }

    [Fact]
    public async Task The_preview_shows_columns_and_problems_without_writing_then_the_mapping_previews_and_imports_the_rows()
    {
        var client = await _app.SignedInAsync();
        var before = await SourceCountAsync(client);

        var unmapped = await client.PostAsync("/api/v1/seed-sources/preview", Upload("exam.json", ExamJson));
        Assert.Equal(HttpStatusCode.OK, unmapped.StatusCode);
        var guess = await unmapped.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["no", "stem", "opts", "key"], guess.GetProperty("columns").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(0, guess.GetProperty("rows").GetArrayLength());
        Assert.Contains("needs \"question\"", guess.GetProperty("problems")[0].GetProperty("message").GetString(), StringComparison.Ordinal);

        var preview = await client.PostAsync("/api/v1/seed-sources/preview", Upload("exam.json", ExamJson, Mapping));
        var shown = await preview.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(0, shown.GetProperty("problems").GetArrayLength());
        var row = shown.GetProperty("rows")[1];
        Assert.Equal(("AC", 2, "element"), (row.GetProperty("answer").GetString(), row.GetProperty("line").GetInt32(), row.GetProperty("unit").GetString()));
        Assert.Equal(["T-bills", "Equities", "CDs"], row.GetProperty("options").EnumerateArray().Select(o => o.GetString()));
        Assert.Equal(before, await SourceCountAsync(client));

        var import = await client.PostAsync("/api/v1/seed-sources", Upload("exam.json", ExamJson, Mapping, name: "exam-mapped"));
        Assert.True(import.StatusCode == HttpStatusCode.Created, await import.Content.ReadAsStringAsync());
        var created = await import.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, created.GetProperty("itemCount").GetInt32());
        var items = await ItemsAsync(created.GetProperty("id").GetInt64());
        Assert.Equal(["Loans", "Customers' deposits"], items[0].Options);
        Assert.Equal(("e1", "B"), (items[0].ExternalId, items[0].Answer));
        Assert.Equal("AC", items[1].Answer);
    }

    [Fact]
    public async Task A_saved_mapping_is_listed_used_by_name_and_a_bad_row_is_refused_by_element_and_field()
    {
        var client = await _app.SignedInAsync();

        var save = await client.PostAsJsonAsync("/api/v1/seed-mappings", new { name = "exam-by-name", mapping = JsonDocument.Parse(Mapping).RootElement });
        Assert.True(save.StatusCode == HttpStatusCode.Created, await save.Content.ReadAsStringAsync());
        var again = await client.PostAsJsonAsync("/api/v1/seed-mappings", new { name = "exam-by-name", mapping = JsonDocument.Parse(Mapping).RootElement });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        var list = await client.GetFromJsonAsync<JsonElement>("/api/v1/seed-mappings");
        var listed = Assert.Single(list.EnumerateArray(), m => m.GetProperty("name").GetString() == "exam-by-name");
        Assert.Equal("stem", listed.GetProperty("mapping").GetProperty("question").GetString());

        var byName = await client.PostAsync("/api/v1/seed-sources", Upload("exam.json", ExamJson, mappingName: "exam-by-name", name: "exam-by-name"));
        Assert.Equal(HttpStatusCode.Created, byName.StatusCode);

        var before = await SourceCountAsync(client);
        var bad = Encoding.UTF8.GetBytes("""
            [{"no": "b1", "stem": "q1", "opts": "['x', 'y']", "key": "A"},
             {"no": "b2", "stem": "q2", "opts": "{'A': 'x', 'B': 'y'", "key": "A"}]
            """);
        var refused = await client.PostAsync("/api/v1/seed-sources", Upload("bad.json", bad, mappingName: "exam-by-name"));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var error = Assert.Single((await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray());
        Assert.Equal((2, "element", "opts"), (error.GetProperty("line").GetInt32(), error.GetProperty("unit").GetString(), error.GetProperty("field").GetString()));
        Assert.Equal(before, await SourceCountAsync(client));

        var unknown = await client.PostAsync("/api/v1/seed-sources/preview", Upload("exam.json", ExamJson, mappingName: "nope"));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        var unknownError = (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors")[0];
        Assert.Equal(("mappingName", "no saved mapping is called \"nope\""), (unknownError.GetProperty("field").GetString(), unknownError.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task A_mapping_sent_after_the_file_is_named_as_too_late()
    {
        var client = await _app.SignedInAsync();
        using var late = new MultipartFormDataContent
        {
            { new ByteArrayContent(ExamJson), "file", "exam.json" },
            { new StringContent(Mapping), "mapping" },
        };

        var response = await client.PostAsync("/api/v1/seed-sources", late);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray().ToList();
        Assert.Contains(errors, e => e.GetProperty("field").GetString() == "mapping"
            && e.GetProperty("message").GetString()!.Contains("before the file", StringComparison.Ordinal));
    }

    private static async Task<int> SourceCountAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<JsonElement>("/api/v1/seed-sources")).GetArrayLength();

    private async Task<List<SeedItem>> ItemsAsync(long sourceId)
    {
        await using var db = await _app.Services.GetRequiredService<IDbContextFactory<DeepFinanceDbContext>>().CreateDbContextAsync();
        return await db.SeedItems.Where(i => i.SeedSourceId == sourceId).OrderBy(i => i.LineNumber).ToListAsync();
    }
}
