using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using DeepFinance.E2E.Tests.Support;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace DeepFinance.E2E.Tests;

/// <summary>
/// The operator's path in a real browser: import a seed file, launch a Q2A run on the simulator with k = 2,
/// watch the run page reach the end, open a trace from the grid and read its reasoning.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class OperatorFlowTests(BrowserFixture fixture, ITestOutputHelper output)
{
    private const int Questions = SeedData.Questions;
    private const int K = 2;

    [BrowserFact]
    public async Task Operator_imports_launches_a_simulated_run_watches_it_finish_and_opens_a_trace()
    {
        var clock = Stopwatch.StartNew();
        var page = await fixture.NewPageAsync();
        try
        {
            await page.SignInAsync(BrowserFixture.OperatorEmail);
            Step("signed in");

            // Import through the seed sources page (MudFileUpload: the hidden file input).
            var sourceName = "e2e-" + Guid.NewGuid().ToString("N")[..6];
            await page.OpenAsync("operate/seeds");
            await page.ChooseSeedFileAsync(new FilePayload
            {
                Name = SeedData.FileName,
                MimeType = "application/jsonl",
                Buffer = Encoding.UTF8.GetBytes(SeedData.Jsonl),
            });
            var name = page.Field("seed-name");
            await name.FillAsync(sourceName);
            await name.BlurAsync();
            await Expect(page.GetByTestId("seed-import")).ToBeEnabledAsync();
            await page.GetByTestId("seed-import").ClickAsync();
            var row = page.GetByTestId("seed-sources").Locator("tbody tr").Filter(new() { HasText = sourceName });
            await Expect(row).ToHaveCountAsync(1);
            await Expect(page.GetByTestId("import-errors")).ToHaveCountAsync(0);
            await Screenshots.TakeAsync(page, "03-seed-sources", keepSnackbars: true);
            Step("imported");

            // Launch from the source's row: the launch page comes with the source chosen.
            await row.Locator("a[href^='operate/runs/new?source=']").ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex(@"/operate/runs/new\?source=\d+$"));
            await page.ChooseAsync("launch-synthesizer", "simulator");
            var k = page.Field("launch-k");
            await k.FillAsync(K.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await k.PressAsync("Tab");
            await Expect(page.GetByTestId("estimate-questions")).ToHaveTextAsync(Questions.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await Expect(page.GetByTestId("estimate-requests")).ToHaveTextAsync((Questions * K).ToString(System.Globalization.CultureInfo.InvariantCulture));
            await Expect(page.GetByTestId("simulated-chip")).ToBeVisibleAsync();
            await Screenshots.TakeAsync(page, "04-launch-run");
            await page.GetByTestId("launch-button").ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex(@"/operate/runs/\d+$"));
            Step("launched " + page.Url);

            // The run page polls: wait for the end, then check done equals total.
            var total = Questions * K;
            await Expect(page.Locator("[data-status=completed]").First).ToBeVisibleAsync(new() { Timeout = 60_000 });
            await Expect(page.GetByTestId("run-done")).ToHaveTextAsync($"{total} / {total}");
            await Expect(page.GetByTestId("run-failed")).ToHaveTextAsync("0");
            var traceRows = page.GetByTestId("trace-grid").Locator("tbody tr.mud-table-row");
            await Expect(traceRows).ToHaveCountAsync(total);
            await Screenshots.TakeAsync(page, "05-run-finished", fullPage: true);
            Step("run completed");

            // Open a trace from the grid: the reasoning is shown apart from the answer.
            await traceRows.First.ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex(@"/traces/\d+$"));
            await Expect(page.GetByTestId("trace-reasoning")).ToBeVisibleAsync();
            await Expect(page.GetByTestId("trace-reasoning")).ToHaveTextAsync(new Regex(@"\S{3,}"));
            await Expect(page.GetByTestId("trace-answer")).ToHaveTextAsync(new Regex(@"\S"));
            await Expect(page.GetByTestId("trace-question")).ToContainTextAsync(new Regex("interest|profit|bond|loan"));
            await Screenshots.TakeAsync(page, "07-trace-detail", fullPage: true);
            Step("trace opened");

            // The same questions again with the synthesize kind, chosen by their seed source, with a new salt.
            await page.OpenAsync("operate/runs/new");
            await page.GetByTestId("launch-kind-synthesize").ClickAsync();
            await page.ChooseAsync("launch-source", sourceName);
            await page.ChooseAsync("launch-synthesizer", "simulator");
            var again = page.Field("launch-k");
            await again.FillAsync("1");
            await again.PressAsync("Tab");
            var salt = page.Field("launch-salt");
            await salt.FillAsync("second look");
            await salt.PressAsync("Tab");
            await Expect(page.GetByTestId("estimate-requests")).ToHaveTextAsync(Questions.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await Expect(page.GetByTestId("estimate-timeout")).ToContainTextAsync("s");
            await page.GetByTestId("launch-button").ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex(@"/operate/runs/\d+$"));
            await Expect(page.Locator("[data-status=completed]").First).ToBeVisibleAsync(new() { Timeout = 60_000 });
            await Expect(page.GetByTestId("run-done")).ToHaveTextAsync($"{Questions} / {Questions}");
            Step("synthesize run completed");

            // The other main screens, now with data in them.
            await page.OpenAsync("traces");
            await Expect(page.GetByTestId("trace-grid").Locator("tbody tr.mud-table-row")).Not.ToHaveCountAsync(0);
            await Screenshots.TakeAsync(page, "06-trace-grid");
            await page.OpenAsync("");
            await Expect(page.GetByTestId("stat-traces")).ToBeVisibleAsync();
            await Screenshots.TakeAsync(page, "02-dashboard");
            Step("screens taken");
            // Every screen above ran under the strict CSP (scripts from this server and the import map's nonce only).
            Assert.True(fixture.CspViolations.IsEmpty, "CSP refusals:\n" + string.Join('\n', fixture.CspViolations));
        }
        finally
        {
            await page.Context.CloseAsync();
        }

        void Step(string what) => output.WriteLine($"{clock.Elapsed.TotalSeconds,6:0.0}s {what}");
    }
}
