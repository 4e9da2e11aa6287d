using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DeepFinance.Web.Tests.TestSupport;

namespace DeepFinance.Web.Tests.Api;

/// <summary>The launch API takes <c>{kind, synthesizer, spec}</c> for every kind, and still the first API's flat q2a fields.</summary>
public sealed class RunLaunchShapeTests(Q2aFlowTests.App fixture) : IClassFixture<Q2aFlowTests.App>
{
    private readonly DeepFinanceApp _app = fixture.Host;

    private static readonly string Seeds = string.Join('\n',
        """{"id":"s1","question":"某基金净值从1.20元涨到1.50元，收益率是多少？","answer":"25%","task_type":"Math"}""",
        """{"id":"s2","question":"判断：国债的信用风险通常低于公司债。","answer":"正确","task_type":"Knowledge QA"}""");

    [Fact]
    public async Task A_q2a_run_by_spec_then_a_synthesize_run_over_its_questions_complete_through_the_api()
    {
        var client = await _app.SignedInAsync();
        var import = await client.PostAsync("/api/v1/seed-sources", DeepFinanceApp.Upload("shape", "shape.jsonl", Encoding.UTF8.GetBytes(Seeds)));
        var source = (await import.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();

        var q2a = await client.PostAsJsonAsync("/api/v1/runs", new { kind = "q2a", synthesizer = "simulator", spec = new { seedSourceId = source, samplesPerQuestion = 1 } });
        Assert.Equal(HttpStatusCode.Created, q2a.StatusCode);
        var first = await DeepFinanceApp.WaitForRunAsync(client, (await q2a.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64());
        Assert.Equal("completed", first.GetProperty("status").GetString());

        var synthesize = new { kind = "synthesize", synthesizer = "simulator", name = "again, math only",
            spec = new { filter = new { seedSourceId = source, taskType = "math" }, samplesPerQuestion = 3, samplingSalt = "second look" } };
        var estimate = await client.PostAsJsonAsync("/api/v1/runs/estimate", synthesize);
        Assert.Equal(HttpStatusCode.OK, estimate.StatusCode);
        var e = await estimate.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, e.GetProperty("questions").GetInt32());
        Assert.Equal(3, e.GetProperty("requests").GetInt32());
        Assert.True(e.GetProperty("requestTimeoutSeconds").GetInt32() > 0);

        var launched = await client.PostAsJsonAsync("/api/v1/runs", synthesize);
        Assert.Equal(HttpStatusCode.Created, launched.StatusCode);
        var run = await DeepFinanceApp.WaitForRunAsync(client, (await launched.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64());
        Assert.Equal("completed", run.GetProperty("status").GetString());
        Assert.Equal("synthesize", run.GetProperty("kind").GetString());
        Assert.Equal(3, run.GetProperty("done").GetInt32());
    }

    [Theory]
    [InlineData("""{"kind":"forge-x","synthesizer":"simulator","spec":{}}""", "kind")]
    [InlineData("""{"synthesizer":"simulator","spec":{}}""", "kind")]
    [InlineData("""{"kind":"q2a","synthesizer":"simulator","spec":{"samplesPerQuestion":1}}""", "seedSourceId")]
    [InlineData("""{"kind":"q2a","synthesizer":"simulator","seedSourceId":1,"spec":{"seedSourceId":1}}""", "spec")]
    [InlineData("""{"kind":"q2a","synthesizer":"simulator","spec":{"seedSourceId":1,"samplesPerQuestion":"two"}}""", "spec.samplesPerQuestion")]
    [InlineData("""{"kind":"synthesize","synthesizer":"nobody","spec":{}}""", "synthesizer")]
    [InlineData("""{"kind":"synthesize","synthesizer":"simulator","spec":{"filter":{"questionIds":[987654]}}}""", "filter.questionIds")]
    public async Task A_bad_launch_is_refused_naming_the_field(string body, string field)
    {
        var client = await _app.SignedInAsync();
        var response = await client.PostAsync("/api/v1/runs", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(field, problem.GetProperty("errors")[0].GetProperty("field").GetString());
    }
}
