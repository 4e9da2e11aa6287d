using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DeepFinance.Core.Data;
using DeepFinance.Tests.Support;
using DeepFinance.Web.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Web.Tests.Review;

/// <summary>The reviews API on the real app: reservations, two reviewers on one item, field errors, and the queue.</summary>
public sealed class ReviewsApiTests : IClassFixture<RoleUsersApp>
{
    private const string Ana = "ana.reviewer@test.local";
    private const string Bo = "bo.reviewer@test.local";
    private readonly DeepFinanceApp _app;
    private static readonly SemaphoreSlim Users = new(1, 1);

    public ReviewsApiTests(RoleUsersApp fixture) => _app = fixture.Host;

    private IDbContextFactory<DeepFinanceDbContext> Db => _app.Services.GetRequiredService<IDbContextFactory<DeepFinanceDbContext>>();

    private async Task<(HttpClient Ana, HttpClient Bo)> ReviewersAsync()
    {
        await Users.WaitAsync();
        try
        {
            if (!_created)
            {
                await _app.CreateUserAsync(Ana, "Reviewer");
                await _app.CreateUserAsync(Bo, "Reviewer");
                _created = true;
            }
        }
        finally
        {
            Users.Release();
        }
        return (await _app.SignedInAsync(Ana), await _app.SignedInAsync(Bo));
    }

    private static bool _created;

    [Fact]
    public async Task Reserve_gives_409_naming_the_holder_while_another_reviewer_holds_the_item()
    {
        var (ana, bo) = await ReviewersAsync();
        var rows = await ScrReviewData.WriteAsync(Db);
        Assert.Equal(HttpStatusCode.OK, (await ana.PostAsync($"/api/v1/reviews/{rows.ReviewId}/reserve", null)).StatusCode);
        var refused = await bo.PostAsync($"/api/v1/reviews/{rows.ReviewId}/reserve", null);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(Ana, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(Ana, problem.GetProperty("by").GetString());
        Assert.Equal(HttpStatusCode.OK, (await ana.PostAsync($"/api/v1/reviews/{rows.ReviewId}/release", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await bo.PostAsync($"/api/v1/reviews/{rows.ReviewId}/reserve", null)).StatusCode);
    }

    [Fact]
    public async Task Two_reviewers_decide_the_same_item_exactly_one_decision_stands_and_the_other_gets_409_saying_who_decided()
    {
        var (ana, bo) = await ReviewersAsync();
        var rows = await ScrReviewData.WriteAsync(Db);
        var both = await Task.WhenAll(
            ana.PostAsJsonAsync($"/api/v1/reviews/{rows.ReviewId}/decision", new { decision = "accept", version = 1 }),
            bo.PostAsJsonAsync($"/api/v1/reviews/{rows.ReviewId}/decision", new { decision = "reject", reason = "wrong-answer", text = "no", version = 1 }));
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], both.Select(r => r.StatusCode).Order());
        var loser = both.Single(r => r.StatusCode == HttpStatusCode.Conflict);
        var winner = both[0] == loser ? Bo : Ana;
        var problem = await loser.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(winner, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, problem.GetProperty("currentVersion").GetInt32());
        // And why: the standing reject's reason and comment (an accept has neither).
        Assert.Equal(winner == Bo ? "wrong-answer" : null, problem.GetProperty("reason").GetString());
        Assert.Equal(winner == Bo ? "no" : null, problem.GetProperty("comment").GetString());

        await using var db = await Db.CreateDbContextAsync();
        var decision = await db.ReviewDecisions.SingleAsync(d => d.ReviewId == rows.ReviewId);
        Assert.Equal(winner, decision.Reviewer);
        var status = (await db.Reviews.SingleAsync(r => r.Id == rows.ReviewId)).Status;
        Assert.Equal(winner == Ana ? ReviewStatus.Accepted : ReviewStatus.Rejected, status);
    }

    [Fact]
    public async Task A_bad_decision_gets_400_naming_the_field()
    {
        var (ana, _) = await ReviewersAsync();
        var rows = await ScrReviewData.WriteAsync(Db);
        async Task<string?> FieldOf(object body)
        {
            var response = await ana.PostAsJsonAsync($"/api/v1/reviews/{rows.ReviewId}/decision", body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors")[0].GetProperty("field").GetString();
        }
        Assert.Equal("decision", await FieldOf(new { decision = "maybe", version = 1 }));
        Assert.Equal("version", await FieldOf(new { decision = "accept" }));
        Assert.Equal("reason", await FieldOf(new { decision = "reject", text = "x", version = 1 }));
        Assert.Equal("text", await FieldOf(new { decision = "fix", version = 1 }));
    }

    [Fact]
    public async Task The_queue_lists_items_by_status_with_trace_question_rounds_leak_flag_and_version()
    {
        var (ana, _) = await ReviewersAsync();
        var rows = await ScrReviewData.WriteAsync(Db, rounds: 3, leak: true);
        var page = await ana.GetFromJsonAsync<JsonElement>("/api/v1/reviews?status=pending&page=1&pageSize=500");
        Assert.True(page.GetProperty("total").GetInt32() >= 1);
        var item = page.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("id").GetInt64() == rows.ReviewId);
        Assert.Equal((rows.RewriteTraceId, rows.QuestionId, 3, true, 1),
            (item.GetProperty("traceId").GetInt64(), item.GetProperty("questionId").GetInt64(), item.GetProperty("rounds").GetInt32(),
             item.GetProperty("leakFlag").GetBoolean(), item.GetProperty("version").GetInt32()));
        Assert.Equal(HttpStatusCode.BadRequest, (await ana.GetAsync("/api/v1/reviews?status=maybe")).StatusCode);

        // Page 0 is served as page 1, and the answer says page 1 (it used to echo 0 beside page 1's items).
        var zero = await ana.GetFromJsonAsync<JsonElement>("/api/v1/reviews?status=pending&page=0&pageSize=500");
        Assert.Equal(1, zero.GetProperty("page").GetInt32());
        Assert.Contains(zero.GetProperty("items").EnumerateArray(), i => i.GetProperty("id").GetInt64() == rows.ReviewId);
    }
}
