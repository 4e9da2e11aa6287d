using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DeepFinance.Core.Data;
using DeepFinance.Web.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Web.Tests.Api;

/// <summary>A benchmark set through <c>/api/v1/benchmarks</c>: import, decontaminate the pool, read the hits a page at a time.</summary>
public sealed class BenchmarkFlowTests : IClassFixture<BenchmarkFlowTests.App>
{
    public sealed class App() : IDisposable
    {
        public DeepFinanceApp Host { get; } = new();

        public void Dispose() => Host.Dispose();
    }

    private readonly DeepFinanceApp _app;

    public BenchmarkFlowTests(App fixture) => _app = fixture.Host;

    [Fact]
    public async Task A_set_is_imported_the_pool_is_checked_and_hits_come_paged_with_both_texts()
    {
        var client = await _app.SignedInAsync();
        var csv = Encoding.UTF8.GetBytes("id,question,answer,difficulty\n"
            + "b1,某公司2023年净利润为500万元，发行在外的普通股加权平均数为1000万股，则该公司的基本每股收益为多少元？,0.5,easy\n"
            + "b2,Which of the following statements about the efficient market hypothesis in its semi-strong form is correct?,C,medium\n");
        var created = await client.PostAsync("/api/v1/benchmarks", DeepFinanceApp.Upload("fin-eval", "fin.csv", csv));
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var set = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, set.GetProperty("itemCount").GetInt32());
        var id = set.GetProperty("id").GetInt64();

        var factory = _app.Services.GetRequiredService<IDbContextFactory<DeepFinanceDbContext>>();
        await using (var db = await factory.CreateDbContextAsync())
        {
            db.Questions.AddRange(
                new Question { Origin = QuestionOrigin.Q2A, Text = "某公司２０２３年净利润为500万元，发行在外的普通股加权平均数为1,000万股，则该公司的基本每股收益为多少元", Language = "zh", CreatedAt = DateTimeOffset.UtcNow },
                new Question { Origin = QuestionOrigin.A2Q, Text = "Which of the following statements about the semi-strong form of the efficient market hypothesis is correct?", Language = "en", CreatedAt = DateTimeOffset.UtcNow },
                new Question { Origin = QuestionOrigin.Q2A, Text = "Which of the following statements about the capital asset pricing model is correct?", Language = "en", CreatedAt = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync();
        }

        var run = await client.PostAsJsonAsync($"/api/v1/benchmarks/{id}/decontaminate", new { });
        Assert.True(run.IsSuccessStatusCode, await run.Content.ReadAsStringAsync());
        Assert.Equal(2, (await run.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("hits").GetInt32());
        var again = await (await client.PostAsJsonAsync($"/api/v1/benchmarks/{id}/decontaminate", new { })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((2, 0), (again.GetProperty("hits").GetInt32(), again.GetProperty("added").GetInt32()));

        var page = await client.GetFromJsonAsync<JsonElement>($"/api/v1/benchmarks/{id}/hits?page=1&pageSize=1&sort=score");
        Assert.Equal(2, page.GetProperty("total").GetInt32());
        var first = Assert.Single(page.GetProperty("items").EnumerateArray());
        Assert.Equal("exact", first.GetProperty("method").GetString());
        Assert.Contains("基本每股收益", first.GetProperty("itemQuestion").GetString(), StringComparison.Ordinal);
        Assert.Contains("２０２３", first.GetProperty("questionText").GetString(), StringComparison.Ordinal);
        var second = await client.GetFromJsonAsync<JsonElement>($"/api/v1/benchmarks/{id}/hits?page=2&pageSize=1&sort=score");
        Assert.Equal("b2", second.GetProperty("items")[0].GetProperty("itemExternalId").GetString());

        var sets = await client.GetFromJsonAsync<JsonElement>("/api/v1/benchmarks");
        Assert.Equal(2, sets.EnumerateArray().Single(s => s.GetProperty("id").GetInt64() == id).GetProperty("hitCount").GetInt32());
        var badSort = await client.GetAsync($"/api/v1/benchmarks/{id}/hits?sort=sideways");
        Assert.Equal(HttpStatusCode.BadRequest, badSort.StatusCode);
    }

    [Fact]
    public async Task A_bad_file_is_refused_naming_the_line_and_nothing_is_stored()
    {
        var client = await _app.SignedInAsync();
        var jsonl = Encoding.UTF8.GetBytes("{\"question\":\"q1\",\"answer\":\"1\"}\n{\"question\":\"q2\",\"answer\":\"2\",\"difficulty\":\"brutal\"}\n");
        var refused = await client.PostAsync("/api/v1/benchmarks", DeepFinanceApp.Upload("broken", "broken.jsonl", jsonl));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var error = Assert.Single((await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray());
        Assert.Equal((2, "difficulty"), (error.GetProperty("line").GetInt32(), error.GetProperty("field").GetString()));
        var sets = await client.GetFromJsonAsync<JsonElement>("/api/v1/benchmarks");
        Assert.DoesNotContain(sets.EnumerateArray(), s => s.GetProperty("name").GetString() == "broken");
    }
}
