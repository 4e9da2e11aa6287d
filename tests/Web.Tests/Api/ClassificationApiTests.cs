using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DeepFinance.Core.Data;
using DeepFinance.Web.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Web.Tests.Api;

/// <summary>A classify run launched through the API, and operators' corrections through <c>PUT /api/v1/questions/{id}/classification</c>.</summary>
public sealed class ClassificationApiTests(Q2aFlowTests.App fixture) : IClassFixture<Q2aFlowTests.App>
{
    private readonly DeepFinanceApp _app = fixture.Host;

    private static readonly string Seeds = string.Join('\n',
        """{"id":"c1","question":"Which ratio best shows whether a firm can pay its bills over the next year?","answer":"the current ratio"}""",
        """{"id":"c2","question":"某债券面值100元，票面利率5%，每年付息，年利息多少元？","answer":"5"}""");

    [Fact]
    public async Task Classify_run_through_the_api_then_an_operator_corrects_and_other_roles_are_refused()
    {
        var admin = await _app.SignedInAsync();
        var import = await admin.PostAsync("/api/v1/seed-sources", DeepFinanceApp.Upload("classify-api", "classify.jsonl", Encoding.UTF8.GetBytes(Seeds)));
        var source = (await import.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        var q2a = await admin.PostAsJsonAsync("/api/v1/runs", new { kind = "q2a", synthesizer = "simulator", spec = new { seedSourceId = source, samplesPerQuestion = 1 } });
        await DeepFinanceApp.WaitForRunAsync(admin, (await q2a.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64());

        var launched = await admin.PostAsJsonAsync("/api/v1/runs", new { kind = "classify", synthesizer = "simulator", spec = new { seedSourceId = source } });
        Assert.Equal(HttpStatusCode.Created, launched.StatusCode);
        var run = await DeepFinanceApp.WaitForRunAsync(admin, (await launched.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64());
        Assert.Equal("completed", run.GetProperty("status").GetString());
        Assert.Equal("classify", run.GetProperty("kind").GetString());
        Assert.Equal(2, run.GetProperty("done").GetInt32() + run.GetProperty("failed").GetInt32());

        long id;
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<DeepFinanceDbContext>>().CreateDbContextAsync();
            var q = await db.Questions.SingleAsync(x => x.Text.StartsWith("Which ratio best shows"));
            // The bond question is Math by rule; the ratio question went to the classifier.
            Assert.Equal(TaskTypeSource.Classifier, q.TaskTypeSource);
            id = q.Id;
        }

        var bad = await admin.PutAsJsonAsync($"/api/v1/questions/{id}/classification", new { taskType = "Poetry", difficulty = "hard" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("taskType", (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors")[0].GetProperty("field").GetString());
        var badLevel = await admin.PutAsJsonAsync($"/api/v1/questions/{id}/classification", new { difficulty = "extreme" });
        Assert.Equal("difficulty", (await badLevel.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors")[0].GetProperty("field").GetString());
        var empty = await admin.PutAsJsonAsync($"/api/v1/questions/{id}/classification", new { reason = "nothing" });
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PutAsJsonAsync("/api/v1/questions/987654/classification", new { taskType = "Math" })).StatusCode);

        foreach (var role in new[] { "Expert", "Reviewer" })
        {
            var email = $"classify-{role.ToLowerInvariant()}@test.local";
            await _app.CreateUserAsync(email, role);
            var other = await _app.SignedInAsync(email);
            Assert.Equal(HttpStatusCode.Forbidden, (await other.PutAsJsonAsync($"/api/v1/questions/{id}/classification", new { taskType = "Math" })).StatusCode);
        }

        await _app.CreateUserAsync("classify-operator@test.local", "Operator");
        var operatorClient = await _app.SignedInAsync("classify-operator@test.local");
        var ok = await operatorClient.PutAsJsonAsync($"/api/v1/questions/{id}/classification",
            new { taskType = "Knowledge QA", difficulty = "simple", reason = "a definition" });
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var labels = await ok.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("knowledge_qa", labels.GetProperty("taskType").GetString());
        Assert.Equal("operator", labels.GetProperty("taskTypeSource").GetString());
        Assert.Equal("operator", labels.GetProperty("difficultySource").GetString());
        var audit = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/audit?action=question.classification-corrected&subject=question:{id}");
        var entry = audit.GetProperty("items")[0];
        Assert.Equal("classify-operator@test.local", entry.GetProperty("actor").GetString());
        Assert.Contains("a definition", entry.GetProperty("after").GetRawText(), StringComparison.Ordinal);
    }
}
