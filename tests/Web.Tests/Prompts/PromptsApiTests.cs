using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DeepFinance.Web.Tests.TestSupport;

namespace DeepFinance.Web.Tests.Prompts;

/// <summary>The prompts API over HTTP: versions, a new version and its refusals, the preview, a run using the new version, and who may.</summary>
public sealed class PromptsApiTests : IClassFixture<PromptsApiTests.App>
{
    public sealed class App : IAsyncLifetime, IDisposable
    {
        public DeepFinanceApp Host { get; } = new();

        public async Task InitializeAsync()
        {
            await Host.CreateUserAsync("prompt-expert@test.local", "Expert");
            await Host.CreateUserAsync("prompt-reviewer@test.local", "Reviewer");
            await Host.CreateUserAsync("prompt-operator@test.local", "Operator");
        }

        public Task DisposeAsync() => Task.CompletedTask;

        public void Dispose() => Host.Dispose();
    }

    private const string Seeds = """
        {"id":"p1","question":"某债券面值100元，票面利率6%，每年付息，年利息多少元？","answer":"6","task_type":"Math"}
        {"id":"p2","question":"A share bought at $40 is sold at $50. What is the percentage gain?","answer":"25%","task_type":"Math"}
        """;

    private readonly DeepFinanceApp _app;

    public PromptsApiTests(App fixture) => _app = fixture.Host;

    [Fact]
    public async Task An_operator_saves_a_version_a_bad_body_is_a_400_naming_line_and_column_and_the_next_run_uses_the_new_version()
    {
        var client = await _app.SignedInAsync("prompt-operator@test.local");
        var list = await client.GetFromJsonAsync<JsonElement>("/api/v1/prompts");
        var sample = list.EnumerateArray().Single(p => p.GetProperty("name").GetString() == "cot-sample");
        Assert.Equal("question", sample.GetProperty("itemKind").GetString());
        Assert.Contains("reference", sample.GetProperty("purpose").GetString(), StringComparison.Ordinal);
        var latest = sample.GetProperty("latestVersion").GetInt32();
        var current = await client.GetFromJsonAsync<JsonElement>($"/api/v1/prompts/cot-sample/versions/{latest}");
        var body = current.GetProperty("body").GetString()!.Replace("[user]", "Name the rule you apply first.\n[user]", StringComparison.Ordinal);

        var bad = await client.PostAsJsonAsync("/api/v1/prompts/cot-sample/versions", new { body = "[system]\nx\n[user]\n{{ question | }}" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = await bad.Content.ReadFromJsonAsync<JsonElement>();
        var error = problem.GetProperty("errors")[0];
        Assert.Equal("body", error.GetProperty("field").GetString());
        Assert.Equal(4, error.GetProperty("line").GetInt32());
        Assert.Contains("Line 4, column", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("/api/v1/prompts/cot-sample/versions", new { body = current.GetProperty("body").GetString() })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsJsonAsync("/api/v1/prompts/no-such/versions", new { body = "[user]\nx" })).StatusCode);

        var saved = await client.PostAsJsonAsync("/api/v1/prompts/cot-sample/versions", new { body });
        Assert.Equal(HttpStatusCode.Created, saved.StatusCode);
        var version = await saved.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(latest + 1, version.GetProperty("version").GetInt32());
        Assert.Equal("prompt-operator@test.local", version.GetProperty("createdBy").GetString());
        var versions = await client.GetFromJsonAsync<JsonElement>("/api/v1/prompts/cot-sample/versions");
        Assert.Equal(latest + 1, versions[0].GetProperty("version").GetInt32());

        var import = await client.PostAsync("/api/v1/seed-sources", DeepFinanceApp.Upload("prompt-flow", "p.jsonl", Encoding.UTF8.GetBytes(Seeds)));
        Assert.Equal(HttpStatusCode.Created, import.StatusCode);
        var launched = await client.PostAsJsonAsync("/api/v1/runs", new
        {
            kind = "q2a", seedSourceId = (await import.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64(), synthesizer = "simulator",
            samplesPerQuestion = 1,
        });
        Assert.Equal(HttpStatusCode.Created, launched.StatusCode);
        var runId = (await launched.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        Assert.Equal("completed", (await DeepFinanceApp.WaitForRunAsync(client, runId)).GetProperty("status").GetString());
        var traces = await client.GetFromJsonAsync<JsonElement>($"/api/v1/runs/{runId}/traces");
        var traceId = traces.GetProperty("items")[0].GetProperty("id").GetInt64();
        var trace = await client.GetFromJsonAsync<JsonElement>($"/api/v1/traces/{traceId}");
        Assert.Equal(latest + 1, trace.GetProperty("templateVersion").GetInt32());

        // The preview of that trace's question with the saved version carries the new line and the question's own text.
        var questionId = trace.GetProperty("question").GetProperty("id").GetInt64();
        var preview = await client.PostAsJsonAsync("/api/v1/prompts/cot-sample/preview", new { itemId = questionId });
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        var rendered = await preview.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(latest + 1, rendered.GetProperty("version").GetInt32());
        var messages = rendered.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["system", "user"], messages.Select(m => m.GetProperty("role").GetString()));
        Assert.Contains("Name the rule you apply first.", messages[0].GetProperty("content").GetString(), StringComparison.Ordinal);
        Assert.Contains(trace.GetProperty("question").GetProperty("text").GetString()!, messages[1].GetProperty("content").GetString(), StringComparison.Ordinal);

        var audit = await (await _app.SignedInAsync()).GetFromJsonAsync<JsonElement>("/api/v1/audit?action=prompt.version-saved");
        Assert.Contains(audit.GetProperty("items").EnumerateArray(), e => e.GetProperty("subject").GetString() == "prompt:cot-sample"
            && e.GetProperty("actor").GetString() == "prompt-operator@test.local");
    }

    [Fact]
    public async Task A_preview_of_an_unsaved_body_renders_it_an_unknown_item_is_named_and_items_are_found_by_text()
    {
        var client = await _app.SignedInAsync();
        var import = await client.PostAsync("/api/v1/seed-sources", DeepFinanceApp.Upload("prompt-items", "i.jsonl",
            Encoding.UTF8.GetBytes("""{"id":"x1","question":"什么是久期？请简述其含义。","answer":"债券价格对利率变动的敏感度","task_type":"Knowledge QA"}""")));
        Assert.Equal(HttpStatusCode.Created, import.StatusCode);
        var launched = await client.PostAsJsonAsync("/api/v1/runs", new
        {
            kind = "q2a", seedSourceId = (await import.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64(), synthesizer = "simulator",
            samplesPerQuestion = 1, samplingSalt = "items",
        });
        await DeepFinanceApp.WaitForRunAsync(client, (await launched.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64());

        var items = await client.GetFromJsonAsync<JsonElement>($"/api/v1/prompts/cot-sample/items?search={Uri.EscapeDataString("久期")}");
        var item = Assert.Single(items.EnumerateArray());
        var id = item.GetProperty("id").GetInt64();

        var draft = await client.PostAsJsonAsync("/api/v1/prompts/cot-sample/preview", new { itemId = id, body = "[system]\nBe brief.\n[user]\nQ: {{ question }}" });
        var rendered = await draft.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(JsonValueKind.Null, rendered.GetProperty("version").ValueKind);
        Assert.Equal("Q: 什么是久期？请简述其含义。", rendered.GetProperty("messages")[1].GetProperty("content").GetString());

        var missing = await client.PostAsJsonAsync("/api/v1/prompts/cot-sample/preview", new { itemId = 987654 });
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("987654", (await missing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        var broken = await client.PostAsJsonAsync("/api/v1/prompts/cot-sample/preview", new { itemId = id, body = "[user]\n{% if x %}" });
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        var noItem = await client.PostAsJsonAsync("/api/v1/prompts/cot-sample/preview", new { body = "[user]\nx" });
        Assert.Equal("itemId", (await noItem.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors")[0].GetProperty("field").GetString());
    }

    [Theory]
    [InlineData("prompt-expert@test.local")]
    [InlineData("prompt-reviewer@test.local")]
    public async Task Experts_and_reviewers_may_neither_read_save_nor_preview(string user)
    {
        var client = await _app.SignedInAsync(user);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/v1/prompts")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsJsonAsync("/api/v1/prompts/cot-sample/versions", new { body = "[user]\nchanged" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsJsonAsync("/api/v1/prompts/cot-sample/preview", new { itemId = 1 })).StatusCode);
        var versions = await (await _app.SignedInAsync()).GetFromJsonAsync<JsonElement>("/api/v1/prompts/cot-sample/versions");
        Assert.DoesNotContain(versions.EnumerateArray(), v => v.GetProperty("createdBy").GetString() == user);
    }
}
