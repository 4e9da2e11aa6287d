using System.Diagnostics;
using System.Text.RegularExpressions;
using DeepFinance.Core.Data;
using DeepFinance.E2E.Tests.Support;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace DeepFinance.E2E.Tests;

/// <summary>
/// The reviewer's workbench in a real browser, driven by the keyboard: the queue, an item that reserves itself on
/// opening, the original, reflections, rewrite and diff, every decision (A, F, R, S, D) and J/K between items.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class ReviewFlowTests(BrowserFixture fixture, ITestOutputHelper output)
{
    private const string Rewrite = "Year one earns 500, so the balance is 10500. Year two earns 525 on the 10500. The total is 11025.";
    private const string Original = "Year one earns 500. Year two also earns 500 on the 10000. The total is 11000.";

    [BrowserFact]
    public async Task Reviewer_works_the_queue_with_the_keyboard_accept_fix_reject_send_back_dispute_and_J_K()
    {
        var clock = Stopwatch.StartNew();
        var (runId, items) = await ReviewSeed.WriteAsync(fixture.App, 5);
        var ids = items.Select(x => x.ReviewId).ToArray();
        var page = await fixture.NewPageAsync();
        try
        {
            await page.SignInAsync(BrowserFixture.ReviewerEmail);

            // The queue, filtered to this run: five pending items.
            await page.OpenAsync("review");
            var run = Field(page, "filter-run");
            await run.FillAsync(runId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await run.PressAsync("Tab");
            var rows = page.GetByTestId("review-grid").Locator("tbody tr.mud-table-row");
            await Expect(rows).ToHaveCountAsync(5);
            await Expect(page.GetByTestId("review-total")).ToContainTextAsync("5");
            await Screenshots.TakeAsync(page, "10-review-queue");
            Step("queue filtered");

            // Review next: the first item opens, reserved for me, with everything a reviewer compares.
            await page.GetByTestId("review-start").ClickAsync();
            await Expect(page).ToHaveURLAsync(ItemUrl(ids[0], runId));
            await Expect(page.GetByTestId("review-status")).ToHaveAttributeAsync("data-status", "pending");
            await Expect(page.GetByTestId("review-reservation")).ToContainTextAsync(BrowserFixture.ReviewerEmail);
            await Expect(page.GetByTestId("review-question")).ToContainTextAsync("compounded yearly");
            await Expect(page.GetByTestId("review-reference")).ToHaveTextAsync("11025");
            await Expect(page.GetByTestId("review-original")).ToContainTextAsync(Original);
            await Expect(page.GetByTestId("review-reflection")).ToHaveCountAsync(1);
            await Expect(page.GetByTestId("review-reflection")).ToContainTextAsync("balance after year one");
            await Expect(page.GetByTestId("review-rewrite")).ToContainTextAsync(Rewrite);
            await Expect(page.Locator(".df-diff-del").Filter(new() { HasText = "11000" })).Not.ToHaveCountAsync(0);
            await Expect(page.Locator(".df-diff-ins").Filter(new() { HasText = "11025" })).Not.ToHaveCountAsync(0);
            Assert.Equal(BrowserFixture.ReviewerEmail, (await ReviewSeed.ReadAsync(fixture.App, ids[0])).ReservedBy);
            await Screenshots.TakeAsync(page, "11-review-item", fullPage: true);
            await MarkDocumentAsync(page);
            Step("item opened");

            // J gives the item back and opens the next one without a page load; K comes back.
            await KeyAsync(page, "j");
            await Expect(page).ToHaveURLAsync(ItemUrl(ids[1], runId));
            await Expect(page.GetByTestId("review-round")).ToHaveCountAsync(2);
            await Expect(page.GetByTestId("review-attempt")).ToContainTextAsync("still simple interest");
            Assert.Null((await ReviewSeed.ReadAsync(fixture.App, ids[0])).ReservedBy);
            await KeyAsync(page, "k");
            await Expect(page).ToHaveURLAsync(ItemUrl(ids[0], runId));
            await Expect(page.GetByTestId("review-round")).ToHaveCountAsync(1);
            await ExpectSameDocumentAsync(page);
            Step("J and K");

            // A: accepted at once.
            await KeyAsync(page, "a");
            await ExpectDecidedAsync(page, "accepted", "Saved: Accepted.");
            Assert.Equal(ReviewStatus.Accepted, (await ReviewSeed.ReadAsync(fixture.App, ids[0])).Status);
            Step("accepted");

            // F: the editor opens with the rewrite; the edited text is what the item keeps.
            await KeyAsync(page, "j");
            await Expect(page).ToHaveURLAsync(ItemUrl(ids[1], runId));
            await KeyAsync(page, "f");
            var edit = page.Locator("[data-testid=review-edit] textarea, textarea[data-testid=review-edit]").First;
            await Expect(edit).ToBeFocusedAsync();
            await Expect(edit).ToHaveValueAsync(Rewrite);
            const string fixedText = "Year one: 10000 × 5% = 500, balance 10500. Year two: 10500 × 5% = 525. Total 11025.";
            await edit.FillAsync(fixedText);
            await edit.PressAsync("Control+Enter");
            await ExpectDecidedAsync(page, "accepted", "Saved: Accepted.");
            await Expect(page.GetByTestId("review-final")).ToContainTextAsync(fixedText);
            await Expect(page.Locator(".df-edit-diff")).ToContainTextAsync("+ " + fixedText);
            Assert.Equal(fixedText, (await ReviewSeed.ReadAsync(fixture.App, ids[1])).FinalReasoning);
            Step("fixed");

            // R: the reason and the comment are both required, and each refusal says which.
            await KeyAsync(page, "j");
            await Expect(page).ToHaveURLAsync(ItemUrl(ids[2], runId));
            await KeyAsync(page, "r");
            await Expect(page.GetByTestId("review-reason")).ToBeFocusedAsync();
            await page.Keyboard.PressAsync("Escape");
            await Expect(page.GetByTestId("review-panel")).ToHaveCountAsync(0);
            await KeyAsync(page, "r");
            var reason = page.GetByTestId("review-reason");
            await Expect(reason).ToBeFocusedAsync();
            await reason.PressAsync("Control+Enter");
            await Expect(page.GetByTestId("review-notice")).ToContainTextAsync("Reason: A reject needs a reason");
            await Expect(page.GetByTestId("review-status")).ToHaveAttributeAsync("data-status", "pending");
            await reason.SelectOptionAsync("flawed-reasoning");
            var comment = Field(page, "review-comment");
            await comment.FillAsync("   ");
            await comment.PressAsync("Control+Enter");
            await Expect(page.GetByTestId("review-notice")).ToContainTextAsync("Comment (required): A reject needs a comment");
            await Expect(page.GetByTestId("review-status")).ToHaveAttributeAsync("data-status", "pending");
            await comment.FillAsync("Skips the compounding in year two.");
            await comment.PressAsync("Control+Enter");
            await ExpectDecidedAsync(page, "rejected", "Saved: Rejected.");
            await Expect(page.GetByTestId("review-history-decision")).ToContainTextAsync("Skips the compounding in year two.");
            await Expect(page.GetByTestId("review-history-decision")).ToContainTextAsync(BrowserFixture.ReviewerEmail);
            Step("rejected");

            // S: sent back, and another self-correction round is launched on the simulator.
            await KeyAsync(page, "j");
            await Expect(page).ToHaveURLAsync(ItemUrl(ids[3], runId));
            await KeyAsync(page, "s");
            var sendBack = Field(page, "review-comment");
            await Expect(sendBack).ToBeFocusedAsync();
            await sendBack.PressAsync("Control+Enter");
            await ExpectDecidedAsync(page, "sentback", "Saved: Sent back.");
            await Expect(page.GetByTestId("review-notice")).ToContainTextAsync(LaunchedRun());
            Step("sent back");

            // D: disputed; the question's reference is now marked as in doubt.
            await KeyAsync(page, "j");
            await Expect(page).ToHaveURLAsync(ItemUrl(ids[4], runId));
            await KeyAsync(page, "d");
            var dispute = Field(page, "review-comment");
            await dispute.FillAsync("The reference ignores the account fee.");
            await dispute.PressAsync("Control+Enter");
            await ExpectDecidedAsync(page, "disputed", "Saved: Reference disputed.");
            await Expect(page.GetByTestId("review-question")).ToContainTextAsync("disputed");
            Step("disputed");

            // Nothing further is free in this run: J says so and stays.
            await KeyAsync(page, "j");
            await Expect(page.GetByTestId("review-notice")).ToContainTextAsync("No further item is free.");
            await Expect(page).ToHaveURLAsync(ItemUrl(ids[4], runId));
            await ExpectSameDocumentAsync(page);

            // Back in the queue, the run's items carry their decisions.
            await page.GetByRole(AriaRole.Link, new() { Name = "Back to the queue" }).ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex("/review$"));
            Assert.True(fixture.CspViolations.IsEmpty, "CSP refusals:\n" + string.Join('\n', fixture.CspViolations));
            Step("done");
        }
        finally
        {
            await page.Context.CloseAsync();
        }

        void Step(string what) => output.WriteLine($"{clock.Elapsed.TotalSeconds,6:0.0}s {what}");
    }

    [BrowserFact]
    public async Task A_leak_flagged_rewrite_is_accepted_from_the_keyboard_only_with_an_override_reason()
    {
        var (runId, items) = await ReviewSeed.WriteAsync(fixture.App, 1, leakOnLast: true);
        var id = items[0].ReviewId;
        var page = await fixture.NewPageAsync();
        try
        {
            await page.SignInAsync(BrowserFixture.ReviewerEmail);
            await page.OpenAsync($"review/{id}?run={runId}");
            await Expect(page.GetByTestId("review-leak-flag")).ToBeVisibleAsync();
            await Expect(page.GetByTestId("review-leak-hits")).ToContainTextAsync("the reference says");
            await Expect(page.Locator("[data-testid=review-reflection] mark")).Not.ToHaveCountAsync(0);

            // A without a reason: refused, naming the field by its label, and the item stays pending.
            await KeyAsync(page, "a");
            await Expect(page.GetByTestId("review-notice")).ToContainTextAsync("Why accept despite the leak flag: The leak screen flagged");
            await Expect(page.GetByTestId("review-status")).ToHaveAttributeAsync("data-status", "pending");

            // The reason is typed in its field (no shortcut fires while typing), Tab returns to the item, A accepts.
            var reason = Field(page, "review-leak-override");
            await reason.ClickAsync();
            await page.Keyboard.TypeAsync("derived step by step; the phrase is a quote, not a lean");
            await Expect(page.GetByTestId("review-status")).ToHaveAttributeAsync("data-status", "pending");
            await page.Keyboard.PressAsync("Tab");
            await KeyAsync(page, "a");
            await ExpectDecidedAsync(page, "accepted", "Saved: Accepted.");
            await Expect(page.GetByTestId("review-leak-hits")).ToContainTextAsync("Overridden: derived step by step");
            Assert.Equal("derived step by step; the phrase is a quote, not a lean", (await ReviewSeed.ReadAsync(fixture.App, id)).LeakOverrideReason);
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    /// <summary>Presses a shortcut where the reviewer's focus is: the item must hold it.</summary>
    internal static async Task KeyAsync(IPage page, string key)
    {
        await Expect(page.GetByTestId("review-keys")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync(key);
    }

    internal static async Task ExpectDecidedAsync(IPage page, string status, string notice)
    {
        await Expect(page.GetByTestId("review-status")).ToHaveAttributeAsync("data-status", status);
        await Expect(page.GetByTestId("review-notice")).ToContainTextAsync(notice);
        await Expect(page.GetByTestId("review-panel")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("review-reservation")).ToHaveCountAsync(0);
    }

    /// <summary>A mark on the document: still there after J/K means the next item opened without a page load.</summary>
    private static Task MarkDocumentAsync(IPage page) => page.EvaluateAsync("() => { window.dfSameDocument = 'kept'; }");

    private static async Task ExpectSameDocumentAsync(IPage page) =>
        Assert.Equal("kept", await page.EvaluateAsync<string?>("() => window.dfSameDocument ?? null"));

    internal static Regex ItemUrl(long id, long runId) => new($"/review/{id}\\?run={runId}$");

    internal static ILocator Field(IPage page, string testId) =>
        page.Locator($"input[data-testid={testId}], textarea[data-testid={testId}], [data-testid={testId}] input:not([type=hidden]), [data-testid={testId}] textarea").First;

    [GeneratedRegex(@"Self-correction run #\d+ launched")]
    private static partial Regex LaunchedRun();
}
