using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using DeepFinance.E2E.Tests.Support;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace DeepFinance.E2E.Tests;

/// <summary>
/// An exam set as public sets ship it, in a real browser: a JSON array whose options are a Python-quoted dictionary
/// and whose answers include a multi-choice key, previewed and imported through the mapping, curated by a q2a run,
/// found in the question browser with options and reference intact, and its task type corrected by an Operator.
/// A Reviewer then reads the same question without the correction controls.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class CorpusToQuestionFlowTests(BrowserFixture fixture, ITestOutputHelper output)
{
    private const string Marker = "zebracoupon";

    private static readonly string ExamJson = $$"""
        [
          {"id": "ex-1", "question": "Which of these are money-market instruments ({{Marker}})?", "options": "{'A': 'Treasury bills', 'B': 'Commercial paper', 'C': \"Common stock\", 'D': 'Thirty-year bonds'}", "answer": "AB"},
          {"id": "ex-2", "question": "A deposit of 1,000 earns 3% a year for 2 years, compounded yearly ({{Marker}}). What is the balance?", "options": "{'A': '1060', 'B': '1060.9', 'C': '1030', 'D': '1090'}", "answer": "B"},
          {"id": "ex-3", "question": "Who sets the reserve requirement ratio for Chinese commercial banks ({{Marker}})?", "options": "{'A': 'The central bank', 'B': 'Each bank board', 'C': 'Stock exchanges', 'D': 'Rating agencies'}", "answer": "A"}
        ]
        """;

    [BrowserFact]
    public async Task An_operator_previews_and_imports_an_exam_array_runs_q2a_and_corrects_a_question_type_that_a_reviewer_only_reads()
    {
        var clock = Stopwatch.StartNew();
        var page = await fixture.NewPageAsync();
        var sourceName = "exam-" + Guid.NewGuid().ToString("N")[..6];
        string questionUrl;
        try
        {
            await page.SignInAsync(BrowserFixture.OperatorEmail);
            await page.OpenAsync("operate/seeds");
            await page.ChooseSeedFileAsync(new FilePayload { Name = "exam.json", MimeType = "application/json", Buffer = Encoding.UTF8.GetBytes(ExamJson) });
            await page.GetByTestId("seed-preview").ClickAsync();
            // The preview shows the options read out of the Python-quoted dictionary and the multi-choice key, before anything is stored.
            var rows = page.GetByTestId("preview-rows");
            await Expect(rows).ToContainTextAsync("Commercial paper");
            await Expect(rows).ToContainTextAsync("Common stock");
            await Expect(rows.Locator("tbody tr")).ToHaveCountAsync(3);
            await Expect(page.GetByTestId("preview-problems")).ToHaveCountAsync(0);
            Step("previewed");

            var name = page.Field("seed-name");
            await name.FillAsync(sourceName);
            await name.BlurAsync();
            await page.GetByTestId("seed-import").ClickAsync();
            var row = page.GetByTestId("seed-sources").Locator("tbody tr").Filter(new() { HasText = sourceName });
            await Expect(row).ToHaveCountAsync(1);
            await Expect(page.GetByTestId("import-errors")).ToHaveCountAsync(0);
            Step("imported");

            await row.Locator("a[href^='operate/runs/new?source=']").ClickAsync();
            await page.ChooseAsync("launch-synthesizer", "simulator");
            var k = page.Field("launch-k");
            await k.FillAsync("1");
            await k.PressAsync("Tab");
            await Expect(page.GetByTestId("estimate-questions")).ToHaveTextAsync("3");
            await page.GetByTestId("launch-button").ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex(@"/operate/runs/\d+$"));
            await Expect(page.Locator("[data-status=completed]").First).ToBeVisibleAsync(new() { Timeout = 90_000 });
            Step("q2a run completed");

            // The question browser filters on the server: the marker word finds exactly this set's three questions.
            await page.OpenAsync("questions?origin=Q2A");
            var search = page.Field("filter-search");
            await search.FillAsync(Marker);
            await search.PressAsync("Enter");
            var found = page.GetByTestId("question-grid").Locator("tbody tr.mud-table-row");
            await Expect(found).ToHaveCountAsync(3);
            await found.Filter(new() { HasText = "money-market" }).ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex(@"/questions/\d+$"));
            questionUrl = new Uri(page.Url).PathAndQuery.TrimStart('/');
            await Expect(page.GetByTestId("question-options")).ToContainTextAsync("Treasury bills");
            await Expect(page.GetByTestId("question-options")).ToContainTextAsync("Thirty-year bonds");
            await Expect(page.GetByTestId("question-reference")).ToHaveTextAsync("AB");
            // Every question carries a task type and a difficulty, each with what set it.
            await Expect(page.GetByTestId("classification-task-type-source")).Not.ToHaveTextAsync("–");
            await Expect(page.GetByTestId("classification-difficulty-source")).Not.ToHaveTextAsync("–");
            Step("question found");

            await page.ChooseAsync("classification-task-type-select", "Compliance");
            var reason = page.Field("classification-reason");
            await reason.FillAsync("Instruments a bank may hold under its liquidity rules");
            await reason.PressAsync("Tab");
            await page.GetByTestId("classification-save").ClickAsync();
            await Expect(page.GetByTestId("classification-task-type")).ToHaveAttributeAsync("data-value", "ComplianceSecurity");
            await Expect(page.GetByTestId("classification-task-type-source")).ToContainTextAsync("operator");
            Step("task type corrected");
        }
        finally
        {
            await page.Context.CloseAsync();
        }

        var reviewer = await fixture.NewPageAsync();
        try
        {
            await reviewer.SignInAsync(BrowserFixture.ReviewerEmail);
            await reviewer.OpenAsync(questionUrl);
            await Expect(reviewer.GetByTestId("classification-task-type")).ToHaveAttributeAsync("data-value", "ComplianceSecurity");
            await Expect(reviewer.GetByTestId("question-reference")).ToHaveTextAsync("AB");
            await Expect(reviewer.GetByTestId("classification-save")).ToHaveCountAsync(0);
            Step("reviewer reads it");
        }
        finally
        {
            await reviewer.Context.CloseAsync();
        }

        void Step(string what) => output.WriteLine($"{clock.Elapsed.TotalSeconds,6:0.0}s {what}");
    }
}
