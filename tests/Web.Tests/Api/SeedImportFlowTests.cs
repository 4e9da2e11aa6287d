using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DeepFinance.Core.Data;
using DeepFinance.Web.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Web.Tests.Api;

/// <summary>An exam set with columns the importer does not read, through <c>POST /api/v1/seed-sources</c>.</summary>
public sealed class SeedImportFlowTests : IClassFixture<SeedImportFlowTests.App>
{
    public sealed class App() : IDisposable
    {
        public DeepFinanceApp Host { get; } = new();

        public void Dispose() => Host.Dispose();
    }

    // Saved by pandas: the index column has an empty name.
    private static readonly byte[] ExamCsv = Encoding.UTF8.GetBytes(
        ",Question,A,B,C,D,Answer\n0,以下哪项属于商业银行的负债业务？,发放贷款,吸收存款,购买国债,票据贴现,B\n1,Which are liquid?,Cash,Land,Treasury bills,,\"A,C\"\n");

    private readonly DeepFinanceApp _app;

    public SeedImportFlowTests(App fixture) => _app = fixture.Host;

    [Fact]
    public async Task An_unread_column_is_refused_naming_it_then_accepted_with_the_flag_and_the_options_are_stored()
    {
        var client = await _app.SignedInAsync();
        var before = await SourceCountAsync(client);

        var refused = await client.PostAsync("/api/v1/seed-sources", DeepFinanceApp.Upload("exam-refused", "exam.csv", ExamCsv));

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
        Assert.Equal(1, error.GetProperty("line").GetInt32());
        Assert.Equal("(column 1, no name)", error.GetProperty("field").GetString());
        Assert.Equal(1, problem.GetProperty("unknownColumns")[0].GetProperty("column").GetInt32());
        Assert.Contains("ignoreUnknownColumns=true", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await SourceCountAsync(client));

        var accepted = await client.PostAsync("/api/v1/seed-sources?ignoreUnknownColumns=true", DeepFinanceApp.Upload("exam", "exam.csv", ExamCsv));

        Assert.True(accepted.StatusCode == HttpStatusCode.Created, await accepted.Content.ReadAsStringAsync());
        var created = await accepted.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, created.GetProperty("itemCount").GetInt32());
        Assert.Equal(["(column 1, no name)"], created.GetProperty("ignoredColumns").EnumerateArray().Select(c => c.GetString()));
        var items = await ItemsAsync(created.GetProperty("id").GetInt64());
        Assert.Equal(["发放贷款", "吸收存款", "购买国债", "票据贴现"], items[0].Options);
        Assert.Equal(["Cash", "Land", "Treasury bills"], items[1].Options);
    }

    [Fact]
    public async Task The_flag_as_a_form_field_counts_before_the_file_and_is_named_when_it_comes_too_late()
    {
        var client = await _app.SignedInAsync();

        using var early = new MultipartFormDataContent
        {
            { new StringContent("exam-form"), "name" },
            { new StringContent("true"), "ignoreUnknownColumns" },
            { new ByteArrayContent(ExamCsv), "file", "exam.csv" },
        };
        var accepted = await client.PostAsync("/api/v1/seed-sources", early);
        Assert.True(accepted.StatusCode == HttpStatusCode.Created, await accepted.Content.ReadAsStringAsync());

        var before = await SourceCountAsync(client);
        using var late = DeepFinanceApp.Upload("exam-late", "exam.csv", ExamCsv);
        late.Add(new StringContent("true"), "ignoreUnknownColumns");
        var refused = await client.PostAsync("/api/v1/seed-sources", late);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(problem.GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == "ignoreUnknownColumns"
            && e.GetProperty("message").GetString()!.Contains("before the file", StringComparison.Ordinal));
        Assert.Equal(before, await SourceCountAsync(client));
    }

    [Fact]
    public async Task A_letter_answer_outside_the_options_is_refused_by_line_even_with_the_flag()
    {
        var client = await _app.SignedInAsync();
        var before = await SourceCountAsync(client);
        var csv = Encoding.UTF8.GetBytes("Question,A,B,C,Answer\nq1,x,y,z,B\nq2,x,y,z,E\n");

        var response = await client.PostAsync("/api/v1/seed-sources?ignoreUnknownColumns=true", DeepFinanceApp.Upload("bad-answer", "bad.csv", csv));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = Assert.Single((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray());
        Assert.Equal((3, "answer"), (error.GetProperty("line").GetInt32(), error.GetProperty("field").GetString()));
        Assert.Contains("names option E", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await SourceCountAsync(client));
    }

    [Fact]
    public async Task A_flag_that_is_not_a_boolean_is_refused_by_name()
    {
        var client = await _app.SignedInAsync();
        var response = await client.PostAsync("/api/v1/seed-sources?ignoreUnknownColumns=maybe", DeepFinanceApp.Upload("x", "exam.csv", ExamCsv));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors")[0];
        Assert.Equal("ignoreUnknownColumns", error.GetProperty("field").GetString());
    }

    private static async Task<int> SourceCountAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<JsonElement>("/api/v1/seed-sources")).GetArrayLength();

    private async Task<List<SeedItem>> ItemsAsync(long sourceId)
    {
        await using var db = await _app.Services.GetRequiredService<IDbContextFactory<DeepFinanceDbContext>>().CreateDbContextAsync();
        return await db.SeedItems.Where(i => i.SeedSourceId == sourceId).OrderBy(i => i.LineNumber).ToListAsync();
    }
}
