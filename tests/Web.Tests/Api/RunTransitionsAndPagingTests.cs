using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DeepFinance.Core.Data;
using DeepFinance.Core.Prompts;
using DeepFinance.Core.Runs;
using DeepFinance.Core.Verification;
using DeepFinance.Web.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Web.Tests.Api;

/// <summary>
/// The API answers each run action as RunStateRules says (409 with the reason otherwise, the same table the page's buttons read),
/// and pages a run's traces by number, from the end and by cursor.
/// </summary>
public sealed class RunTransitionsAndPagingTests(Q2aFlowTests.App fixture) : IClassFixture<Q2aFlowTests.App>
{
    private readonly DeepFinanceApp _app = fixture.Host;

    public static TheoryData<RunStatus, RunAction> Cases()
    {
        var data = new TheoryData<RunStatus, RunAction>();
        foreach (var status in Enum.GetValues<RunStatus>())
        {
            foreach (var action in new[] { RunAction.Cancel, RunAction.Resume, RunAction.Reverify })
            {
                data.Add(status, action);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Each_action_is_accepted_exactly_where_the_transition_table_allows_it(RunStatus status, RunAction action)
    {
        var client = await _app.SignedInAsync();
        var runId = await SeedRunAsync(3, status);
        var path = action switch { RunAction.Cancel => "cancel", RunAction.Resume => "resume", _ => "reverify" };

        var response = await client.PostAsJsonAsync($"/api/v1/runs/{runId}/{path}", new { });

        if (RunStateRules.Allows(action, status))
        {
            Assert.True(response.IsSuccessStatusCode, $"{action} on a {status} run: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        else
        {
            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
            var detail = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
            Assert.Contains($"Run {runId} is {status.ToString().ToLowerInvariant()}", detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Pages_by_number_from_either_end_past_the_end_and_by_cursor()
    {
        var client = await _app.SignedInAsync();
        var runId = await SeedRunAsync(23, RunStatus.Completed);
        var all = await PageAsync(client, $"/api/v1/runs/{runId}/traces?pageSize=500&sortBy=latency&descending=true");
        var order = Ids(all);
        Assert.Equal(23, order.Count);

        var first = await PageAsync(client, $"/api/v1/runs/{runId}/traces?pageSize=5&sortBy=latency&descending=true&page=1");
        Assert.Equal(order.Take(5), Ids(first));
        Assert.Equal(23, first.GetProperty("total").GetInt32());

        var last = await PageAsync(client, $"/api/v1/runs/{runId}/traces?pageSize=5&sortBy=latency&descending=true&page=5");
        Assert.Equal(order.Skip(20), Ids(last));
        Assert.Equal(5, last.GetProperty("page").GetInt32());

        var fourth = await PageAsync(client, $"/api/v1/runs/{runId}/traces?pageSize=5&sortBy=latency&descending=true&page=4");
        Assert.Equal(order.Skip(15).Take(5), Ids(fourth));

        var beyond = await PageAsync(client, $"/api/v1/runs/{runId}/traces?pageSize=5&sortBy=latency&descending=true&page=9");
        Assert.Empty(Ids(beyond));
        Assert.Equal(23, beyond.GetProperty("total").GetInt32());

        var next = first.GetProperty("nextAfter").GetInt64();
        var second = await PageAsync(client, $"/api/v1/runs/{runId}/traces?pageSize=5&sortBy=latency&descending=true&after={next}");
        Assert.Equal(order.Skip(5).Take(5), Ids(second));
        var back = second.GetProperty("previousBefore").GetInt64();
        var firstAgain = await PageAsync(client, $"/api/v1/runs/{runId}/traces?pageSize=5&sortBy=latency&descending=true&before={back}");
        Assert.Equal(order.Take(5), Ids(firstAgain));
        Assert.Equal(JsonValueKind.Null, firstAgain.GetProperty("previousBefore").ValueKind);

        var incorrect = await PageAsync(client, $"/api/v1/runs/{runId}/traces?pageSize=3&verdict=incorrect&page=3");
        var incorrectAll = Ids(await PageAsync(client, $"/api/v1/runs/{runId}/traces?pageSize=500&verdict=incorrect"));
        Assert.Equal(incorrectAll.Count, incorrect.GetProperty("total").GetInt32());
        Assert.Equal(incorrectAll.Skip(6).Take(3), Ids(incorrect));

        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync($"/api/v1/runs/{runId}/traces?after=999999")).StatusCode);
    }

    private static async Task<JsonElement> PageAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        Assert.True(response.IsSuccessStatusCode, $"{url}: {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static List<long> Ids(JsonElement page) => page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt64()).ToList();

    /// <summary>A run in the given status with traces of varied latency (ties included) and verdicts, written straight to the database.</summary>
    private async Task<long> SeedRunAsync(int count, RunStatus status)
    {
        var prompt = await _app.Services.GetRequiredService<PromptLibrary>().GetAsync(PromptLibrary.CotSample, null);
        await using var db = await _app.Services.GetRequiredService<IDbContextFactory<DeepFinanceDbContext>>().CreateDbContextAsync();
        var run = new Run
        {
            Kind = "q2a", Status = status, SynthesizerName = "simulator", Model = "simulator", SamplesPerQuestion = 1,
            PromptTemplateId = prompt.Id, SamplingSalt = "", ParametersJson = "{}", Total = count, Done = count, PartitionCount = 1,
            CreatedAt = DateTimeOffset.UtcNow, FinishedAt = DateTimeOffset.UtcNow,
        };
        db.Runs.Add(run);
        var questions = Enumerable.Range(0, count).Select(i => new Question
        {
            Origin = QuestionOrigin.Q2A, Text = $"Paging question {i}", ReferenceAnswer = "1", Language = "en", CreatedAt = DateTimeOffset.UtcNow,
        }).ToList();
        db.Questions.AddRange(questions);
        await db.SaveChangesAsync();
        for (var i = 0; i < count; i++)
        {
            db.Traces.Add(new CotTrace
            {
                RunId = run.Id, QuestionId = questions[i].Id, SampleIndex = 0, Status = TraceStatus.Succeeded, Answer = "1", ExtractedAnswer = "1",
                Verdict = (Verdict)(i % 3), PromptTokens = 10, CompletionTokens = 20 + i, LatencyMs = (i * 7) % 5 * 100,
                RequestHash = $"paging-{run.Id}-{i}", PromptTemplateId = prompt.Id, TemplateVersion = prompt.Version,
                SynthesizerName = "simulator", Model = "simulator", CreatedAt = DateTimeOffset.UtcNow,
            });
        }
        await db.SaveChangesAsync();
        return run.Id;
    }
}
