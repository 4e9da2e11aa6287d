using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DeepFinance.Core.Data;
using DeepFinance.Tests.Support;
using DeepFinance.Web.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Web.Tests.Releases;

/// <summary>The releases API on the real app: cut, read back, field errors, and a blocked release unblocked by a fix and a waiver.</summary>
public sealed class ReleasesApiTests : IClassFixture<RoleUsersApp>
{
    private readonly DeepFinanceApp _app;

    public ReleasesApiTests(RoleUsersApp fixture) => _app = fixture.Host;

    private IDbContextFactory<DeepFinanceDbContext> Db => _app.Services.GetRequiredService<IDbContextFactory<DeepFinanceDbContext>>();

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement;
    }

    private static string FieldOf(JsonElement problem) => problem.GetProperty("errors")[0].GetProperty("field").GetString()!;

    [Fact]
    public async Task An_operator_cuts_a_release_reads_it_back_and_unblocks_it_by_fixing_and_waiving_its_pii_hits()
    {
        var data = new ReleaseFixture(Db);
        var demo = await data.DemoAsync();
        var q = await data.QuestionAsync("某客户咨询个人贷款月供如何计算？", language: "zh-CN");
        var leaky = await data.TraceAsync(demo.RunId, q, reasoning: "客户手机 13912345678，身份证号 11010519491231002X。月供按等额本息公式计算。");
        var op = await _app.SignedInAsync(RoleUsersApp.UserOf("Operator"));

        Assert.Equal("version", FieldOf(await JsonAsync(await op.PostAsJsonAsync("/api/v1/releases", new { title = "no version" }), HttpStatusCode.BadRequest)));
        Assert.Equal("selection.taskTypes[1]", FieldOf(await JsonAsync(await op.PostAsJsonAsync("/api/v1/releases",
            new { version = "x1", selection = new { taskTypes = new[] { "math", "astrology" } } }), HttpStatusCode.BadRequest)));
        Assert.Equal("selection.minPassRate", FieldOf(await JsonAsync(await op.PostAsJsonAsync("/api/v1/releases",
            new { version = "x1", selection = new { minPassRate = 2 } }), HttpStatusCode.BadRequest)));

        var created = await JsonAsync(await op.PostAsJsonAsync("/api/v1/releases", new
        {
            version = "api-1.0", title = "API release", notes = "Cut by the API test.",
            selection = new { withheld = new[] { "compliance_security" }, dedup = true },
        }), HttpStatusCode.Created);
        var id = created.GetProperty("id").GetInt64();
        Assert.Equal("blocked", created.GetProperty("status").GetString());
        Assert.False(created.GetProperty("exportable").GetBoolean());
        Assert.Equal("version", FieldOf(await JsonAsync(await op.PostAsJsonAsync("/api/v1/releases", new { version = "api-1.0" }), HttpStatusCode.BadRequest)));

        var list = await JsonAsync(await op.GetAsync("/api/v1/releases?page=1&pageSize=10"), HttpStatusCode.OK);
        Assert.Contains(list.GetProperty("items").EnumerateArray(), r => r.GetProperty("version").GetString() == "api-1.0");
        Assert.Equal("status", FieldOf(await JsonAsync(await op.GetAsync("/api/v1/releases?status=shipped"), HttpStatusCode.BadRequest)));

        var one = await JsonAsync(await op.GetAsync($"/api/v1/releases/{id}"), HttpStatusCode.OK);
        Assert.Equal(6, one.GetProperty("release").GetProperty("traceCount").GetInt32());
        Assert.Equal(5, one.GetProperty("stats").GetProperty("byTaskType").GetProperty("Math").GetInt32());
        Assert.Contains("open PII hits", one.GetProperty("exportRefusal").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("Cut by the API test.", one.GetProperty("changelog").GetString(), StringComparison.Ordinal);

        var rewrites = await JsonAsync(await op.GetAsync($"/api/v1/releases/{id}/items?kind=accepted_rewrite"), HttpStatusCode.OK);
        Assert.Equal(demo.Accepted.RewriteTraceId, rewrites.GetProperty("items")[0].GetProperty("traceId").GetInt64());
        Assert.Equal(1, rewrites.GetProperty("total").GetInt32());
        var duplicates = await JsonAsync(await op.GetAsync($"/api/v1/releases/{id}/exclusions?reason=duplicate"), HttpStatusCode.OK);
        Assert.Equal(demo.InterestAgainCorrect, duplicates.GetProperty("items")[0].GetProperty("traceId").GetInt64());
        Assert.Equal(1, duplicates.GetProperty("byReason").GetProperty("withheld").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, (await op.GetAsync("/api/v1/releases/999999/items")).StatusCode);

        var hits = (await JsonAsync(await op.GetAsync($"/api/v1/releases/{id}/pii-hits?status=open"), HttpStatusCode.OK)).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(2, hits.Count);
        Assert.All(hits, h => Assert.Equal(leaky, h.GetProperty("traceId").GetInt64()));
        var phone = hits.Single(h => h.GetProperty("entityType").GetString() == "phone").GetProperty("id").GetInt64();
        var idNumber = hits.Single(h => h.GetProperty("entityType").GetString() == "cn_id").GetProperty("id").GetInt64();

        var fixedPhone = await JsonAsync(await op.PostAsync($"/api/v1/releases/{id}/pii-hits/{phone}/fix", null), HttpStatusCode.OK);
        Assert.Equal("blocked", fixedPhone.GetProperty("releaseStatus").GetString());
        Assert.Equal("reason", FieldOf(await JsonAsync(await op.PostAsJsonAsync($"/api/v1/releases/{id}/pii-hits/{idNumber}/waive", new { }), HttpStatusCode.BadRequest)));
        var waived = await JsonAsync(await op.PostAsJsonAsync($"/api/v1/releases/{id}/pii-hits/{idNumber}/waive", new { reason = "A published specimen number." }),
            HttpStatusCode.OK);
        Assert.Equal("ready", waived.GetProperty("releaseStatus").GetString());
        Assert.True((await JsonAsync(await op.GetAsync($"/api/v1/releases/{id}"), HttpStatusCode.OK)).GetProperty("release").GetProperty("exportable").GetBoolean());
        var again = await JsonAsync(await op.PostAsync($"/api/v1/releases/{id}/pii-hits/{phone}/fix", null), HttpStatusCode.Conflict);
        Assert.Contains("immutable", again.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
