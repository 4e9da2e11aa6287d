using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DeepFinance.Web.Tests.TestSupport;

namespace DeepFinance.Web.Tests.Api;

/// <summary>Re-verification through the API: a finished run is re-verified as a job and its history lists the outcome.</summary>
public sealed class ReverifyFlowTests : IClassFixture<Q2aFlowTests.App>
{
    private static readonly string Seeds = string.Join('\n',
        """{"id":"r1","question":"某债券面值100元，票面利率5%，每年付息，年利息多少元？","answer":"5","task_type":"Math"}""",
        """{"id":"r2","question":"A share bought at $20 is sold at $25. What is the percentage gain?","answer":"25%","task_type":"Math"}""",
        """{"id":"r3","question":"判断：分散投资可以消除系统性风险。","answer":"错误","task_type":"Knowledge QA"}""");

    private readonly DeepFinanceApp _app;

    public ReverifyFlowTests(Q2aFlowTests.App fixture) => _app = fixture.Host;

    [Fact]
    public async Task A_finished_run_is_reverified_as_a_job_and_the_history_lists_every_answer_examined()
    {
        var client = await _app.SignedInAsync();
        var import = await client.PostAsync("/api/v1/seed-sources", DeepFinanceApp.Upload("reverify", "reverify.jsonl", Encoding.UTF8.GetBytes(Seeds)));
        Assert.True(import.StatusCode == HttpStatusCode.Created, await import.Content.ReadAsStringAsync());
        var source = await import.Content.ReadFromJsonAsync<JsonElement>();
        var items = source.GetProperty("itemCount").GetInt32();

        var launched = await client.PostAsJsonAsync("/api/v1/runs",
            new { kind = "q2a", seedSourceId = source.GetProperty("id").GetInt64(), synthesizer = "simulator", samplesPerQuestion = 2 });
        Assert.Equal(HttpStatusCode.Created, launched.StatusCode);
        var runId = (await launched.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        var run = await DeepFinanceApp.WaitForRunAsync(client, runId);
        Assert.Equal("completed", run.GetProperty("status").GetString());

        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync($"/api/v1/runs/{runId}/reverify", new { relativeTolerance = 0.9 })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync($"/api/v1/runs/{runId}/reverify", new { judge = "nope" })).StatusCode);

        var reverify = await client.PostAsJsonAsync($"/api/v1/runs/{runId}/reverify", new { relativeTolerance = 0.2 });
        Assert.Equal(HttpStatusCode.Accepted, reverify.StatusCode);
        Assert.Equal(runId, (await reverify.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetInt64());

        JsonElement history = default;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            history = await client.GetFromJsonAsync<JsonElement>($"/api/v1/runs/{runId}/reverifications");
            if (history.GetArrayLength() > 0)
            {
                break;
            }
            await Task.Delay(250);
        }
        var entry = Assert.Single(history.EnumerateArray());
        Assert.Equal(2 * items, entry.GetProperty("examined").GetInt32());
        Assert.Equal(0.2, entry.GetProperty("relativeTolerance").GetDouble(), 6);
        var after = entry.GetProperty("correctAfter").GetInt32() + entry.GetProperty("incorrectAfter").GetInt32()
            + entry.GetProperty("unverifiableAfter").GetInt32();
        Assert.Equal(2 * items, after);
        Assert.True(entry.GetProperty("changed").GetInt32() >= 0);

        var passRates = await client.GetFromJsonAsync<JsonElement>($"/api/v1/runs/{runId}/pass-rates");
        Assert.Contains(passRates.GetProperty("byTaskType").EnumerateArray(), x => x.GetProperty("taskType").GetString() == "math");
    }

    [Fact]
    public async Task A_launch_names_its_judge_and_an_unknown_judge_is_refused_with_the_field_named()
    {
        var client = await _app.SignedInAsync();
        var sources = await client.GetFromJsonAsync<JsonElement>("/api/v1/seed-sources");
        var sourceId = sources[0].GetProperty("id").GetInt64();
        var refused = await client.PostAsJsonAsync("/api/v1/runs/estimate",
            new { kind = "q2a", seedSourceId = sourceId, synthesizer = "simulator", samplesPerQuestion = 1, judge = "nope" });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("judge", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors")[0].GetProperty("field").GetString());
        var accepted = await client.PostAsJsonAsync("/api/v1/runs/estimate",
            new { kind = "q2a", seedSourceId = sourceId, synthesizer = "simulator", samplesPerQuestion = 1, judge = "simulator" });
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task Reverify_on_an_unknown_run_is_404()
    {
        var client = await _app.SignedInAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsJsonAsync("/api/v1/runs/987654/reverify", new { relativeTolerance = 0.2 })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/v1/runs/987654/reverifications")).StatusCode);
    }
}
