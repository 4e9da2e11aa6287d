using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DeepFinance.Core.Data;
using DeepFinance.Core.Verification;
using DeepFinance.Web.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Web.Tests.Api;

/// <summary>
/// <c>GET /api/v1/questions</c> filters by origin, task type, difficulty, status and text on the server, with a 400 naming the
/// parameter that is wrong; <c>GET /api/v1/knowledge-points</c> lists merged points with their counts.
/// </summary>
public sealed class QuestionBrowserApiTests(Q2aFlowTests.App fixture) : IClassFixture<Q2aFlowTests.App>
{
    private readonly DeepFinanceApp _app = fixture.Host;

    /// <summary>Five questions whose text carries <paramref name="tag"/>, one per status, and a knowledge point; returns their ids by status.</summary>
    private async Task<(Dictionary<string, long> ByStatus, long PointId)> SeedAsync(string tag)
    {
        var factory = _app.Services.GetRequiredService<IDbContextFactory<DeepFinanceDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        var prompt = await db.PromptTemplates.OrderBy(p => p.Id).FirstAsync();
        var run = new Run
        {
            Kind = "q2a", Status = RunStatus.Completed, SynthesizerName = "simulator", Model = "simulator", PromptTemplateId = prompt.Id, SamplingSalt = "",
            ParametersJson = "{}", CreatedAt = DateTimeOffset.UtcNow,
        };
        db.Runs.Add(run);
        Question Make(string status, QuestionOrigin origin, TaskType type, Difficulty difficulty, string? reference = "42") => new()
        {
            Origin = origin, Text = $"{tag} {status} question", ReferenceAnswer = reference, TaskType = type, Difficulty = difficulty, Language = "en",
            CreatedAt = DateTimeOffset.UtcNow,
            ReferenceDisputedAt = status == "disputed" ? DateTimeOffset.UtcNow : null,
        };
        var questions = new Dictionary<string, Question>
        {
            ["verified"] = Make("verified", QuestionOrigin.Q2A, TaskType.Math, Difficulty.Simple),
            ["rejected"] = Make("rejected", QuestionOrigin.A2Q, TaskType.Math, Difficulty.Hard),
            ["pending"] = Make("pending", QuestionOrigin.T2Q, TaskType.KnowledgeQa, Difficulty.Medium),
            ["disputed"] = Make("disputed", QuestionOrigin.Q2A, TaskType.Math, Difficulty.Medium),
            ["no-reference"] = Make("no-reference", QuestionOrigin.RealWorld, TaskType.AnalysisInterpretation, Difficulty.Hard, reference: null),
        };
        db.Questions.AddRange(questions.Values);
        await db.SaveChangesAsync();
        questions["rejected"].ParentQuestionId = questions["verified"].Id;
        var i = 0;
        foreach (var (status, verdict) in new[] { ("verified", Verdict.Correct), ("rejected", Verdict.Incorrect), ("disputed", Verdict.Correct) })
        {
            db.Traces.Add(new CotTrace
            {
                RunId = run.Id, QuestionId = questions[status].Id, SampleIndex = i++, Status = TraceStatus.Succeeded, Answer = "x", Verdict = verdict,
                RequestHash = $"{tag}-{status}", PromptTemplateId = prompt.Id, SynthesizerName = "simulator", Model = "simulator", CreatedAt = DateTimeOffset.UtcNow,
            });
        }
        var point = new KnowledgePoint { Key = $"{tag} point", Text = $"{tag} point: duration is the weighted average time to cash flows", Kind = KnowledgePointKind.Definition, FirstRunId = run.Id, Mentions = 1, FirstSeenAt = DateTimeOffset.UtcNow };
        db.KnowledgePoints.Add(point);
        await db.SaveChangesAsync();
        questions["pending"].KnowledgePointId = point.Id;
        await db.SaveChangesAsync();
        return (questions.ToDictionary(q => q.Key, q => q.Value.Id), point.Id);
    }

    private static async Task<JsonElement> GetAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task Each_filter_narrows_the_list_on_the_server_and_every_item_says_its_status_origin_and_parent()
    {
        var tag = "qb" + Guid.NewGuid().ToString("N")[..8];
        var (ids, _) = await SeedAsync(tag);
        var client = await _app.SignedInAsync();

        var all = await GetAsync(client, $"/api/v1/questions?q={tag}&pageSize=10");
        Assert.Equal(5, all.GetProperty("total").GetInt32());
        foreach (var item in all.GetProperty("items").EnumerateArray())
        {
            var id = item.GetProperty("id").GetInt64();
            Assert.Equal(ids.Single(x => x.Value == id).Key, item.GetProperty("status").GetString());
        }
        var rejected = all.GetProperty("items").EnumerateArray().Single(x => x.GetProperty("id").GetInt64() == ids["rejected"]);
        Assert.Equal(ids["verified"], rejected.GetProperty("parentId").GetInt64());

        foreach (var status in ids.Keys)
        {
            var page = await GetAsync(client, $"/api/v1/questions?q={tag}&status={status}");
            Assert.Equal(ids[status], Assert.Single(page.GetProperty("items").EnumerateArray()).GetProperty("id").GetInt64());
        }
        Assert.Equal(ids["rejected"], Assert.Single((await GetAsync(client, $"/api/v1/questions?q={tag}&origin=a2q")).GetProperty("items").EnumerateArray()).GetProperty("id").GetInt64());
        Assert.Equal(ids["pending"], Assert.Single((await GetAsync(client, $"/api/v1/questions?q={tag}&taskType=Knowledge%20QA")).GetProperty("items").EnumerateArray()).GetProperty("id").GetInt64());
        var hard = await GetAsync(client, $"/api/v1/questions?q={tag}&difficulty=Hard&sort=id&descending=false");
        Assert.Equal(new[] { ids["rejected"], ids["no-reference"] }, hard.GetProperty("items").EnumerateArray().Select(x => x.GetProperty("id").GetInt64()));
        var paged = await GetAsync(client, $"/api/v1/questions?q={tag}&pageSize=2&page=3&sort=id&descending=false");
        Assert.Equal(5, paged.GetProperty("total").GetInt32());
        Assert.Equal(ids["no-reference"], Assert.Single(paged.GetProperty("items").EnumerateArray()).GetProperty("id").GetInt64());
    }

    [Theory]
    [InlineData("origin=Seed", "origin")]
    [InlineData("taskType=Poetry", "taskType")]
    [InlineData("difficulty=2", "difficulty")]
    [InlineData("status=approved", "status")]
    [InlineData("sort=text", "sort")]
    [InlineData("pageSize=500", "pageSize")]
    [InlineData("page=0", "page")]
    public async Task A_bad_filter_is_a_400_naming_the_parameter(string query, string parameter)
    {
        var client = await _app.SignedInAsync();

        var response = await client.GetAsync($"/api/v1/questions?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var detail = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
        Assert.StartsWith($"{parameter}: ", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Knowledge_points_list_with_counts_filter_by_kind_and_text_and_show_the_questions_they_produced()
    {
        var tag = "kp" + Guid.NewGuid().ToString("N")[..8];
        var (ids, pointId) = await SeedAsync(tag);
        var client = await _app.SignedInAsync();

        var list = await GetAsync(client, $"/api/v1/knowledge-points?q={tag}&kind=definition");
        var item = Assert.Single(list.GetProperty("items").EnumerateArray());
        Assert.Equal(pointId, item.GetProperty("id").GetInt64());
        Assert.Equal(1, item.GetProperty("questions").GetInt32());
        Assert.Equal(0, (await GetAsync(client, $"/api/v1/knowledge-points?q={tag}&kind=formula")).GetProperty("total").GetInt32());
        var detail = await GetAsync(client, $"/api/v1/knowledge-points/{pointId}");
        Assert.Equal(ids["pending"], Assert.Single(detail.GetProperty("questions").EnumerateArray()).GetProperty("questionId").GetInt64());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/v1/knowledge-points/999999999")).StatusCode);
        var bad = await client.GetAsync("/api/v1/knowledge-points?kind=theorem");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.StartsWith("kind: ", (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
