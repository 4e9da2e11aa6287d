using System.Text.RegularExpressions;
using DeepFinance.Core.Data;
using DeepFinance.E2E.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DeepFinance.E2E.Tests;

/// <summary>Two reviewers on one item in two browsers, and people without the Reviewer role at the review pages.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ReviewConcurrencyAndAccessTests(BrowserFixture fixture)
{
    [BrowserFact]
    public async Task Two_reviewers_open_the_same_item_the_first_decides_and_the_second_is_refused_with_who_and_why()
    {
        var second = $"reviewer2-{Guid.NewGuid():N}"[..18] + "@e2e.local";
        await fixture.App.CreateUserAsync(second, "Reviewer");
        var (_, items) = await ReviewSeed.WriteAsync(fixture.App, 1);
        var id = items[0].ReviewId;
        var first = await fixture.NewPageAsync();
        var other = await fixture.NewPageAsync();
        try
        {
            await first.SignInAsync(BrowserFixture.ReviewerEmail);
            await other.SignInAsync(second);

            // The first to open it holds it; the second sees who holds it and until when.
            await first.OpenAsync($"review/{id}");
            await Expect(first.GetByTestId("review-reservation")).ToContainTextAsync(BrowserFixture.ReviewerEmail);
            await other.OpenAsync($"review/{id}");
            await Expect(other.GetByTestId("review-notice")).ToContainTextAsync($"{BrowserFixture.ReviewerEmail} is reviewing this item until");
            await Expect(other.GetByTestId("review-reservation")).ToContainTextAsync(BrowserFixture.ReviewerEmail);

            // Deciding on a held item is refused, and nothing is written.
            await ReviewFlowTests.KeyAsync(other, "a");
            await Expect(other.GetByTestId("review-notice")).ToContainTextAsync($"{BrowserFixture.ReviewerEmail} is reviewing this item until");
            Assert.Equal(ReviewStatus.Pending, (await ReviewSeed.ReadAsync(fixture.App, id)).Status);

            // The holder rejects.
            await ReviewFlowTests.KeyAsync(first, "r");
            await first.GetByTestId("review-reason").SelectOptionAsync("wrong-answer");
            var comment = ReviewFlowTests.Field(first, "review-comment");
            await comment.FillAsync("The total leaves out the second year's compounding.");
            await comment.PressAsync("Control+Enter");
            await ReviewFlowTests.ExpectDecidedAsync(first, "rejected", "Saved: Rejected.");

            // The second, still looking at version 1, accepts: refused, told who decided what and why, offered a reload.
            await ReviewFlowTests.KeyAsync(other, "a");
            var notice = other.GetByTestId("review-notice");
            await Expect(notice).ToContainTextAsync($"Not saved: {BrowserFixture.ReviewerEmail} rejected this item");
            await Expect(notice).ToContainTextAsync("now version 2");
            await Expect(notice).ToContainTextAsync("Wrong answer");
            await Expect(notice).ToContainTextAsync("The total leaves out the second year's compounding.");
            await Screenshots.TakeAsync(other, "12-review-conflict");
            await other.GetByTestId("review-reload").ClickAsync();
            await Expect(other.GetByTestId("review-status")).ToHaveAttributeAsync("data-status", "rejected");
            await Expect(other.GetByTestId("review-history-decision")).ToContainTextAsync(BrowserFixture.ReviewerEmail);

            // Exactly one decision stands.
            var dbFactory = fixture.App.Services.GetRequiredService<IDbContextFactory<DeepFinanceDbContext>>();
            await using var db = await dbFactory.CreateDbContextAsync();
            var decisions = await db.ReviewDecisions.Where(d => d.ReviewId == id).ToListAsync();
            var only = Assert.Single(decisions);
            // Opening took the item once (the prerendered page no longer reserves too), and the refused second reviewer took nothing.
            var subject = $"review:{id}";
            var reserved = await db.AuditEntries.Where(a => a.Subject == subject && a.Action == "review.reserved").Select(a => a.Actor).ToListAsync();
            Assert.Equal([BrowserFixture.ReviewerEmail], reserved);
            Assert.Equal(BrowserFixture.ReviewerEmail, only.Reviewer);
            Assert.Equal(ReviewDecisionKind.Reject, only.Decision);
            Assert.Equal(ReviewStatus.Rejected, (await ReviewSeed.ReadAsync(fixture.App, id)).Status);
        }
        finally
        {
            await first.Context.CloseAsync();
            await other.Context.CloseAsync();
        }
    }

    public static TheoryData<string> WrongRoles => new() { BrowserFixture.OperatorEmail, BrowserFixture.ExpertEmail };

    [BrowserTheory]
    [MemberData(nameof(WrongRoles))]
    public async Task Operators_and_experts_are_refused_at_the_queue_and_the_item_by_address_and_in_app(string email)
    {
        var (_, items) = await ReviewSeed.WriteAsync(fixture.App, 1);
        var id = items[0].ReviewId;
        var page = await fixture.NewPageAsync();
        try
        {
            await page.SignInAsync(email);
            await Expect(page.Locator(".mud-drawer a[href='review']")).ToHaveCountAsync(0);

            // Typed into the address bar.
            foreach (var address in new[] { "review", $"review/{id}" })
            {
                await page.GotoAsync(address);
                await Expect(page).ToHaveURLAsync(new Regex("/Account/AccessDenied"));
                await Expect(page.Locator("h1")).ToHaveTextAsync("Access denied");
                await Expect(page.GetByTestId("review-grid")).ToHaveCountAsync(0);
                await Expect(page.GetByTestId("review-keys")).ToHaveCountAsync(0);
            }

            // Navigated to from inside the app (no page load): refused the same way, still signed in.
            foreach (var address in new[] { "review", $"review/{id}" })
            {
                await page.OpenAsync("");
                await page.EvaluateAsync("a => Blazor.navigateTo(a)", address);
                await Expect(page).ToHaveURLAsync(new Regex("/Account/AccessDenied$"));
                await Expect(page.Locator("h1")).ToHaveTextAsync("Access denied");
                await Expect(page.GetByTestId("review-grid")).ToHaveCountAsync(0);
                await Expect(page.GetByTestId("review-keys")).ToHaveCountAsync(0);
            }

            // Nothing was reserved on their behalf.
            var review = await ReviewSeed.ReadAsync(fixture.App, id);
            Assert.Null(review.ReservedBy);
            Assert.Equal(ReviewStatus.Pending, review.Status);
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }
}
