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
    [InlineData("""{"kind":"scr","synthesizer":"simulator","spec":{"maxRounds":3}}""", "spec.sourceRunId")]
    [InlineData("""{"kind":"scr","synthesizer":"simulator","spec":{"sourceRunId":987654}}""", "spec.sourceRunId")]
    [InlineData("""{"kind":"synthesize","synthesizer":"simulator","spec":{"filter":{"questionIds":[987654]}}}""", "filter.questionIds")]
    public async Task A_bad_launch_is_refused_naming_the_field(string body, string field)
    {
        var client = await _app.SignedInAsync();
        var response = await client.PostAsync("/api/v1/runs", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(field, problem.GetProperty("errors")[0].GetProperty("field").GetString());
    }

    /// <summary>Three questions the in-app simulator's oracle knows (from the demo corpus), so its answers can be right or wrong.</summary>
    private static readonly string DemoSeeds = string.Join('\n',
        """{"id":"demo-001","question":"某客户将100000元存入一款按年复利计息的产品，年利率为3.5%，存期5年。到期时本息和为多少元？（保留两位小数）","answer":"118768.63元","task_type":"Math"}""",
        """{"id":"demo-002","question":"某客户申请商业住房贷款100万元，贷款年利率4.2%，期限30年，采用按月等额本息还款。每月还款额为多少元？（保留两位小数）","answer":"4890.17元","task_type":"Math"}""",
        """{"id":"demo-003","question":"一项年金产品在未来10年每年年末向持有人支付20000元，若折现率为5%，该年金的现值是多少元？（保留两位小数）","answer":"154434.70元","task_type":"Math"}""");

    [Fact]
    public async Task Scr_launch_by_kind_synthesizer_and_spec_rewrites_the_source_runs_failed_traces()
    {
        var client = await _app.SignedInAsync();
        var import = await client.PostAsync("/api/v1/seed-sources", DeepFinanceApp.Upload("scr", "scr.jsonl", Encoding.UTF8.GetBytes(DemoSeeds)));
        var source = (await import.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        var q2a = await client.PostAsJsonAsync("/api/v1/runs", new { kind = "q2a", synthesizer = "simulator", spec = new { seedSourceId = source, samplesPerQuestion = 4 } });
        var first = await DeepFinanceApp.WaitForRunAsync(client, (await q2a.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64());
        var wrong = await client.GetFromJsonAsync<JsonElement>($"/api/v1/runs/{first.GetProperty("id").GetInt64()}/traces?verdict=incorrect&pageSize=100");
        var failed = wrong.GetProperty("total").GetInt32();
        Assert.True(failed > 0, "the simulator answered every sample right; no failed trace to rewrite");

        var scr = new { kind = "scr", synthesizer = "simulator", spec = new { sourceRunId = first.GetProperty("id").GetInt64(), maxRounds = 2 } };
        var estimate = await (await client.PostAsJsonAsync("/api/v1/runs/estimate", scr)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(failed, estimate.GetProperty("questions").GetInt32());
        Assert.Equal(failed * 2 * 2, estimate.GetProperty("requests").GetInt32());
        var launched = await client.PostAsJsonAsync("/api/v1/runs", scr);
        Assert.Equal(HttpStatusCode.Created, launched.StatusCode);
        var run = await DeepFinanceApp.WaitForRunAsync(client, (await launched.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64());

        Assert.Equal("completed", run.GetProperty("status").GetString());
        Assert.Equal("scr", run.GetProperty("kind").GetString());
        Assert.Equal(failed, run.GetProperty("done").GetInt32());
        // Every round is a trace of the scr run.
        var traces = await client.GetFromJsonAsync<JsonElement>($"/api/v1/runs/{run.GetProperty("id").GetInt64()}/traces?pageSize=100");
        Assert.InRange(traces.GetProperty("total").GetInt32(), failed, failed * 2);
    }
}
