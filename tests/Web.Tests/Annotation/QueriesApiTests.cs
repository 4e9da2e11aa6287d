using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DeepFinance.Web.Tests.TestSupport;
using static DeepFinance.Web.Tests.Annotation.AnnotationApp;

namespace DeepFinance.Web.Tests.Annotation;

/// <summary>The real-world query API on the real app: import, raw-text access by role, check, two annotations, adjudication, erasure.</summary>
public sealed class QueriesApiTests(AnnotationApp fixture) : IClassFixture<AnnotationApp>
{
    private readonly DeepFinanceApp _app = fixture.Host;

    private async Task<long> ImportAsync(HttpClient client, params string[] texts)
    {
        var response = await client.PostAsync("/api/v1/queries", DeepFinanceApp.Upload("api test", "q.jsonl", Jsonl(texts)));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("importId").GetInt64();
    }

    private static async Task<JsonElement> FirstOfImportAsync(HttpClient client, long import)
    {
        var list = await client.GetFromJsonAsync<JsonElement>($"/api/v1/queries?import={import}");
        return list.GetProperty("items")[0];
    }

    [Fact]
    public async Task Raw_text_is_refused_to_operators_and_reviewers_while_they_and_experts_read_the_desensitized_text()
    {
        var ana = await _app.SignedInAsync(Ana);
        var import = await ImportAsync(ana, Raw);
        var olga = await _app.SignedInAsync(Olga);
        var row = await FirstOfImportAsync(olga, import);
        var id = row.GetProperty("id").GetInt64();
        Assert.DoesNotContain(Phone, row.GetProperty("text").GetString(), StringComparison.Ordinal);
        var detail = await olga.GetFromJsonAsync<JsonElement>($"/api/v1/queries/{id}");
        Assert.DoesNotContain(Phone, detail.GetRawText(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Forbidden, (await olga.GetAsync($"/api/v1/queries/{id}/raw")).StatusCode);
        var rita = await _app.SignedInAsync(Rita);
        Assert.Equal(HttpStatusCode.Forbidden, (await rita.GetAsync($"/api/v1/queries/{id}/raw")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await rita.GetAsync($"/api/v1/queries/{id}")).StatusCode);

        var raw = await ana.GetFromJsonAsync<JsonElement>($"/api/v1/queries/{id}/raw");
        Assert.Equal(Raw, raw.GetProperty("text").GetString());
        var admin = await _app.SignedInAsync();
        var audit = await admin.GetFromJsonAsync<JsonElement>("/api/v1/audit?action=realworld.raw-viewed");
        Assert.Contains(Ana, audit.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain(Phone, audit.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_file_is_refused_whole_with_errors_by_line()
    {
        var ana = await _app.SignedInAsync(Ana);
        var response = await ana.PostAsync("/api/v1/queries",
            DeepFinanceApp.Upload("bad", "bad.jsonl", System.Text.Encoding.UTF8.GetBytes("{\"text\":\"fine\"}\n{\"channel\":\"app\"}\n")));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var error = problem.GetProperty("errors")[0];
        Assert.Equal(2, error.GetProperty("line").GetInt32());
        Assert.Equal("text", error.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Check_two_disagreeing_annotations_agreement_and_adjudication_make_a_realworld_question_and_erasure_drops_the_raw_text()
    {
        var ana = await _app.SignedInAsync(Ana);
        var bo = await _app.SignedInAsync(Bo);
        var admin = await _app.SignedInAsync();
        var import = await ImportAsync(ana, "基金代码110022的申购费率是多少？");
        var id = (await FirstOfImportAsync(ana, import)).GetProperty("id").GetInt64();
        var queue = await bo.GetFromJsonAsync<JsonElement>("/api/v1/queries/queue?pageSize=200");
        Assert.Contains(queue.GetProperty("items").EnumerateArray(), i => i.GetProperty("id").GetInt64() == id);

        var check = await ana.PostAsJsonAsync($"/api/v1/queries/{id}/check", new { version = 1 });
        Assert.Equal(HttpStatusCode.OK, check.StatusCode);
        var stale = await bo.PostAsJsonAsync($"/api/v1/queries/{id}/check", new { version = 1 });
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);

        var missing = await ana.PostAsJsonAsync($"/api/v1/queries/{id}/annotation", new { version = 2, taskType = "Knowledge QA", referenceAnswer = "1.5%" });
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal("difficulty", (await missing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors")[0].GetProperty("field").GetString());

        var first = await ana.PostAsJsonAsync($"/api/v1/queries/{id}/annotation",
            new { version = 2, taskType = "Knowledge QA", difficulty = "simple", tags = new[] { "product-knowledge" }, referenceAnswer = "1.5%" });
        Assert.Equal("annotated", (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        var second = await bo.PostAsJsonAsync($"/api/v1/queries/{id}/annotation",
            new { version = 3, taskType = "Math", difficulty = "medium", referenceAnswer = "1.5% of the amount" });
        Assert.Equal("adjudicating", (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());

        var agreement = await (await _app.SignedInAsync(Rita)).GetFromJsonAsync<JsonElement>("/api/v1/queries/agreement");
        Assert.Contains(agreement.GetProperty("adjudicating").EnumerateArray(), x => x.GetInt64() == id);

        Assert.Equal(HttpStatusCode.Forbidden, (await ana.PostAsJsonAsync($"/api/v1/queries/{id}/adjudication",
            new { version = 4, taskType = "Knowledge QA", difficulty = "simple", referenceAnswer = "1.5%" })).StatusCode);
        var final = await admin.PostAsJsonAsync($"/api/v1/queries/{id}/adjudication",
            new { version = 4, taskType = "Knowledge QA", difficulty = "simple", referenceAnswer = "1.5%" });
        var outcome = await final.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("approved", outcome.GetProperty("status").GetString());
        Assert.True(outcome.GetProperty("questionId").GetInt64() > 0);

        Assert.Equal(HttpStatusCode.Forbidden, (await ana.PostAsJsonAsync($"/api/v1/queries/{id}/erase", new { reason = "asked" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync($"/api/v1/queries/{id}/erase", new { reason = "customer asked" })).StatusCode);
        var raw = await ana.GetFromJsonAsync<JsonElement>($"/api/v1/queries/{id}/raw");
        Assert.True(raw.GetProperty("erased").GetBoolean());
        Assert.Equal(JsonValueKind.Null, raw.GetProperty("text").ValueKind);
    }
}
