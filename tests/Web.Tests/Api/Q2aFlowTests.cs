using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DeepFinance.Web.Tests.TestSupport;

namespace DeepFinance.Web.Tests.Api;

/// <summary>The operator's path through the API: sign in, import, run on the simulator, read traces.</summary>
public sealed class Q2aFlowTests : IClassFixture<Q2aFlowTests.App>
{
    public sealed class App() : IDisposable
    {
        public DeepFinanceApp Host { get; } = new();

        public void Dispose() => Host.Dispose();
    }

    private static readonly string Seeds = string.Join('\n',
        """{"id":"f1","question":"某债券面值100元，票面利率6%，每年付息，年利息多少元？","answer":"6","task_type":"Math"}""",
        """{"id":"f2","question":"A share bought at $40 is sold at $50. What is the percentage gain?","answer":"25%","task_type":"Math"}""",
        """{"id":"f3","question":"判断：分散投资可以降低非系统性风险。","answer":"正确","task_type":"Knowledge QA"}""");

    private readonly DeepFinanceApp _app;

    public Q2aFlowTests(App fixture) => _app = fixture.Host;

    [Fact]
    public async Task Login_import_run_and_read_traces_and_a_second_run_sends_nothing()
    {
        var client = await _app.SignedInAsync();

        var import = await client.PostAsync("/api/v1/seed-sources", DeepFinanceApp.Upload("flow", "flow.jsonl", Encoding.UTF8.GetBytes(Seeds)));
        Assert.True(import.StatusCode == HttpStatusCode.Created, await import.Content.ReadAsStringAsync());
        var source = await import.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(3, source.GetProperty("itemCount").GetInt32());

        var spec = new { kind = "q2a", seedSourceId = source.GetProperty("id").GetInt64(), synthesizer = "simulator", samplesPerQuestion = 2 };
        var launched = await client.PostAsJsonAsync("/api/v1/runs", spec);
        Assert.Equal(HttpStatusCode.Created, launched.StatusCode);
        var runId = (await launched.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();

        var audit = await client.GetFromJsonAsync<JsonElement>("/api/v1/audit?action=run.launched");
        Assert.Contains(audit.GetProperty("items").EnumerateArray(), e => e.GetProperty("subject").GetString() == $"run:{runId}"
            && e.GetProperty("actor").GetString() == DeepFinanceApp.AdminEmail);

        var run = await DeepFinanceApp.WaitForRunAsync(client, runId);
        Assert.Equal("completed", run.GetProperty("status").GetString());
        Assert.Equal(6, run.GetProperty("done").GetInt32());
        Assert.Equal("q2a", run.GetProperty("kind").GetString());

        var traces = await client.GetFromJsonAsync<JsonElement>($"/api/v1/runs/{runId}/traces?page=1&pageSize=50");
        Assert.Equal(6, traces.GetProperty("total").GetInt32());
        var first = traces.GetProperty("items")[0];
        Assert.Contains(first.GetProperty("verdict").GetString(), new[] { "correct", "incorrect" });

        var incorrect = await client.GetFromJsonAsync<JsonElement>($"/api/v1/runs/{runId}/traces?verdict=incorrect&taskType=knowledge_qa");
        Assert.All(incorrect.GetProperty("items").EnumerateArray(), t => Assert.Equal("incorrect", t.GetProperty("verdict").GetString()));
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync($"/api/v1/runs/{runId}/traces?verdict=maybe")).StatusCode);

        var detail = await client.GetFromJsonAsync<JsonElement>($"/api/v1/traces/{first.GetProperty("id").GetInt64()}");
        Assert.False(string.IsNullOrEmpty(detail.GetProperty("reasoning").GetString()));
        Assert.Equal("flow", detail.GetProperty("seedSource").GetProperty("name").GetString());

        var before = await client.GetFromJsonAsync<JsonElement>("/sim/stats");
        var again = await client.PostAsJsonAsync("/api/v1/runs", spec);
        var secondId = (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        var second = await DeepFinanceApp.WaitForRunAsync(client, secondId);
        var after = await client.GetFromJsonAsync<JsonElement>("/sim/stats");
        Assert.Equal(before.GetProperty("requests").GetInt64(), after.GetProperty("requests").GetInt64());
        Assert.Equal(6, second.GetProperty("fromStore").GetInt32());
        Assert.Equal(0m, second.GetProperty("cost").GetDecimal());
    }

    [Fact]
    public async Task A_bad_import_is_refused_naming_line_3_and_nothing_is_stored()
    {
        var client = await _app.SignedInAsync();
        var before = await client.GetFromJsonAsync<JsonElement>("/api/v1/seed-sources");
        var bad = Encoding.UTF8.GetBytes("{\"question\":\"q1\",\"answer\":\"1\"}\n{\"question\":\"q2\",\"answer\":\"2\"}\n{\"question\":\"q3\",\"answer\"\n");

        var response = await client.PostAsync("/api/v1/seed-sources", DeepFinanceApp.Upload("bad", "bad.jsonl", bad));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var error = problem.GetProperty("errors")[0];
        Assert.Equal(3, error.GetProperty("line").GetInt32());
        Assert.Contains("JSON", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        var after = await client.GetFromJsonAsync<JsonElement>("/api/v1/seed-sources");
        Assert.Equal(before.GetArrayLength(), after.GetArrayLength());
    }

    [Fact]
    public async Task The_demo_corpus_is_there_on_first_start()
    {
        var client = await _app.SignedInAsync();
        var sources = await client.GetFromJsonAsync<JsonElement>("/api/v1/seed-sources");
        Assert.Contains(sources.EnumerateArray(), s => s.GetProperty("name").GetString() == "Demo corpus" && s.GetProperty("itemCount").GetInt32() >= 50);
    }

    [Fact]
    public async Task A_run_on_an_unknown_synthesizer_is_refused_with_the_field_named()
    {
        var client = await _app.SignedInAsync();
        var response = await client.PostAsJsonAsync("/api/v1/runs", new { kind = "q2a", seedSourceId = 1, synthesizer = "nope", samplesPerQuestion = 2 });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("synthesizer", problem.GetProperty("errors")[0].GetProperty("field").GetString());
    }

    [Fact]
    public async Task Wrong_password_gives_401_and_no_token()
    {
        var response = await _app.Anonymous().PostAsJsonAsync("/api/v1/auth/login", new { email = DeepFinanceApp.AdminEmail, password = "wrong" });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.DoesNotContain("accessToken", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
