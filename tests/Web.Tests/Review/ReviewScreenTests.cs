using AngleSharp.Dom;
using Bunit;
using DeepFinance.Core.Data;
using DeepFinance.Core.Review;
using DeepFinance.Tests.Support;
using DeepFinance.Web.Components.Pages.Review;
using DeepFinance.Web.Tests.Components;
using DeepFinance.Web.Tests.Localization;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Web.Tests.Review;

/// <summary>The review screen over real Core services and SQLite: keyboard decisions, the diff, leak hits, a stale version.</summary>
public sealed class ReviewScreenTests
{
    private const string Me = "reviewer@test";

    private static async Task<(UiTestHost Host, ScrReviewRows Rows, IRenderedComponent<ReviewItem> Cut)> OpenAsync(bool leak = false)
    {
        TestCulture.Use("en");
        var host = await UiTestHost.CreateAsync(Me, "Review", "Read");
        var rows = await ScrReviewData.WriteAsync(host.Services.GetRequiredService<IDbContextFactory<DeepFinanceDbContext>>(), leak: leak);
        var cut = host.Context.Render<ReviewItem>(p => p.Add(x => x.Id, rows.ReviewId));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=review-keys]")));
        return (host, rows, cut);
    }

    private static void Press(IRenderedComponent<ReviewItem> cut, string key) => cut.Find("[data-testid=review-keys]").KeyDown(new KeyboardEventArgs { Key = key });

    private static IElement Field(IRenderedComponent<ReviewItem> cut, string testId)
    {
        var e = cut.Find($"[data-testid={testId}]");
        return e.TagName is "TEXTAREA" or "INPUT" or "SELECT" ? e : e.QuerySelector("textarea, input, select")!;
    }

    private static async Task<ReviewStatus> StatusAsync(UiTestHost host, long id)
    {
        await using var db = await host.DbAsync();
        return (await db.Reviews.SingleAsync(r => r.Id == id)).Status;
    }

    [Fact]
    public async Task Opening_an_item_reserves_it_and_shows_question_reference_rounds_reflections_and_the_word_diff()
    {
        var (host, rows, cut) = await OpenAsync();
        await using var _ = host;
        Assert.Contains("11025", cut.Find("[data-testid=review-reference]").TextContent, StringComparison.Ordinal);
        Assert.Equal(2, cut.FindAll("[data-testid=review-round]").Count);
        Assert.Equal(2, cut.FindAll("[data-testid=review-reflection]").Count);
        Assert.Contains(cut.FindAll(".df-diff-ins"), e => e.TextContent.Contains("11025", StringComparison.Ordinal));
        Assert.Contains(cut.FindAll(".df-diff-del"), e => e.TextContent.Contains("11000", StringComparison.Ordinal));
        await using var db = await host.DbAsync();
        Assert.Equal(Me, (await db.Reviews.SingleAsync(r => r.Id == rows.ReviewId)).ReservedBy);
    }

    [Fact]
    public async Task Pressing_A_accepts_and_a_leak_flagged_item_first_asks_for_the_override_reason()
    {
        var (host, rows, cut) = await OpenAsync(leak: true);
        await using var _ = host;
        Assert.NotEmpty(cut.FindAll("[data-testid=review-reflection] mark.df-leak"));
        Press(cut, "a");
        cut.WaitForAssertion(() => Assert.Contains("reason", cut.Find("[data-testid=review-notice]").TextContent, StringComparison.Ordinal));
        Assert.Equal(ReviewStatus.Pending, await StatusAsync(host, rows.ReviewId));

        Field(cut, "review-leak-override").Change("derived before it is named");
        Press(cut, "A");
        cut.WaitForAssertion(() => Assert.Equal("accepted", cut.Find("[data-testid=review-status]").GetAttribute("data-status")));
        Assert.Equal(ReviewStatus.Accepted, await StatusAsync(host, rows.ReviewId));
    }

    [Fact]
    public async Task F_opens_the_editor_and_ctrl_enter_saves_the_fix_shown_as_what_the_dataset_gets()
    {
        var (host, rows, cut) = await OpenAsync();
        await using var _ = host;
        Press(cut, "f");
        Field(cut, "review-edit").Input("Balance 10500 after year one; 525 in year two; 11025 in all.");
        cut.Find("[data-testid=review-panel]").KeyDown(new KeyboardEventArgs { Key = "Enter", CtrlKey = true });
        cut.WaitForAssertion(() => Assert.Contains("11025 in all", cut.Find("[data-testid=review-final]").TextContent, StringComparison.Ordinal));
        Assert.Equal(ReviewStatus.Accepted, await StatusAsync(host, rows.ReviewId));
        Assert.NotEmpty(cut.FindAll(".df-edit-diff"));
    }

    [Fact]
    public async Task R_rejects_with_a_reason_and_comment_and_S_and_D_send_back_and_dispute()
    {
        var (host, rows, cut) = await OpenAsync();
        await using var _ = host;
        Press(cut, "r");
        Field(cut, "review-reason").Change("flawed-reasoning");
        Field(cut, "review-comment").Input("skips compounding");
        cut.Find("[data-testid=review-confirm]").Click();
        cut.WaitForAssertion(() => Assert.Equal("rejected", cut.Find("[data-testid=review-status]").GetAttribute("data-status")));

        var dbf = host.Services.GetRequiredService<IDbContextFactory<DeepFinanceDbContext>>();
        var second = await ScrReviewData.WriteAsync(dbf);
        var third = await ScrReviewData.WriteAsync(dbf);
        cut.Render(p => p.Add(x => x.Id, second.ReviewId));
        cut.WaitForAssertion(() => Assert.Contains($"#{second.ReviewId}", cut.Markup, StringComparison.Ordinal));
        Press(cut, "s");
        cut.Find("[data-testid=review-confirm]").Click();
        cut.WaitForAssertion(() => Assert.Equal("sentback", cut.Find("[data-testid=review-status]").GetAttribute("data-status")));

        cut.Render(p => p.Add(x => x.Id, third.ReviewId));
        cut.WaitForAssertion(() => Assert.Contains($"#{third.ReviewId}", cut.Markup, StringComparison.Ordinal));
        Press(cut, "d");
        Field(cut, "review-comment").Input("the reference ignores the fee");
        cut.Find("[data-testid=review-confirm]").Click();
        cut.WaitForAssertion(() => Assert.Equal("disputed", cut.Find("[data-testid=review-status]").GetAttribute("data-status")));
        await using var db = await host.DbAsync();
        Assert.NotNull((await db.Questions.SingleAsync(q => q.Id == third.QuestionId)).ReferenceDisputedAt);
    }

    [Fact]
    public async Task A_decision_on_a_stale_version_is_refused_and_the_screen_says_who_decided()
    {
        var (host, rows, cut) = await OpenAsync();
        await using var _ = host;
        // Another reviewer decides after this screen loaded version 1 (the reservation has run out for them to be allowed).
        await using (var db = await host.DbAsync())
        {
            await db.Reviews.Where(r => r.Id == rows.ReviewId).ExecuteUpdateAsync(s => s.SetProperty(r => r.ReservedBy, (string?)null));
        }
        await host.Services.GetRequiredService<ReviewWorkbench>().DecideAsync(rows.ReviewId, "other@test",
            new ReviewDecisionRequest(ReviewDecisionKind.Reject, 1, "wrong-answer", "no"));

        Press(cut, "a");
        cut.WaitForAssertion(() =>
        {
            var notice = cut.Find("[data-testid=review-notice]").TextContent;
            Assert.Contains("other@test", notice, StringComparison.Ordinal);
            Assert.Contains("Not saved", notice, StringComparison.Ordinal);
        });
        Assert.Equal(ReviewStatus.Rejected, await StatusAsync(host, rows.ReviewId));
        cut.Find("[data-testid=review-reload]").Click();
        cut.WaitForAssertion(() => Assert.Equal("rejected", cut.Find("[data-testid=review-status]").GetAttribute("data-status")));
    }
}
