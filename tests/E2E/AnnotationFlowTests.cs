using System.Text;
using System.Text.RegularExpressions;
using DeepFinance.E2E.Tests.Support;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace DeepFinance.E2E.Tests;

/// <summary>
/// The expert flow in a real browser: an expert imports real-world queries, checks the desensitization, two experts
/// annotate and disagree, the dashboard shows the disagreement, and an Admin adjudicates it into a question.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class AnnotationFlowTests(BrowserFixture fixture, ITestOutputHelper output)
{
    private const string SecondExpert = "expert2@e2e.local";
    private const string Phone = "13812345678";
    private static readonly SemaphoreSlim Once = new(1, 1);
    private static bool _created;

    [BrowserFact]
    public async Task Import_check_two_annotations_agreement_and_adjudication()
    {
        await Once.WaitAsync();
        try
        {
            if (!_created)
            {
                await fixture.App.CreateUserAsync(SecondExpert, "Expert");
                _created = true;
            }
        }
        finally
        {
            Once.Release();
        }

        var ana = await fixture.NewPageAsync();
        await ana.SignInAsync(BrowserFixture.ExpertEmail);
        await ana.OpenAsync("annotate/import");
        var text = $"我叫张伟，手机号{Phone}，想问一下三年期定期存款利率3.5%到期利息怎么算？ e2e-{Guid.NewGuid():N}";
        await ana.Locator("input[type=file]").SetInputFilesAsync(new FilePayload
        {
            Name = "queries.jsonl", MimeType = "application/jsonl",
            Buffer = Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(new { text, channel = "app" })),
        });
        var name = ana.Locator("input[data-testid=import-name], [data-testid=import-name] input:not([type=hidden])").First;
        await name.FillAsync("e2e queries");
        await name.BlurAsync();
        await Expect(ana.GetByTestId("import-submit")).ToBeEnabledAsync();
        await ana.GetByTestId("import-submit").ClickAsync();
        await Expect(ana.GetByTestId("import-done")).ToBeVisibleAsync();
        output.WriteLine("imported");

        // The check screen: the phone number is highlighted in the raw text and absent from the desensitized one.
        await ana.OpenAsync("annotate");
        await ana.GetByTestId("annotate-start").ClickAsync();
        await Expect(ana).ToHaveURLAsync(new Regex(@"/annotate/\d+$"));
        var id = long.Parse(Regex.Match(ana.Url, @"/annotate/(\d+)$").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        await Expect(ana.Locator("[data-testid=check-raw] mark").Filter(new() { HasText = Phone })).ToHaveCountAsync(1);
        await Expect(ana.GetByTestId("check-desensitized")).Not.ToContainTextAsync(Phone);
        await ana.GetByTestId("annotate-keys").PressAsync("c");
        await Expect(ana.GetByTestId("annotate-status")).ToHaveAttributeAsync("data-status", "checked");
        await AnnotateAsync(ana, "Math", "Medium");
        await Expect(ana.GetByTestId("annotate-status")).ToHaveAttributeAsync("data-status", "annotated");
        output.WriteLine($"checked and annotated #{id}");

        var bo = await fixture.NewPageAsync();
        await bo.SignInAsync(SecondExpert);
        await bo.OpenAsync($"annotate/{id}");
        await Expect(bo.GetByTestId("annotate-text")).Not.ToContainTextAsync(Phone);
        await AnnotateAsync(bo, "KnowledgeQa", "Simple");
        await Expect(bo.GetByTestId("annotate-status")).ToHaveAttributeAsync("data-status", "adjudicating");
        output.WriteLine("second expert disagreed");

        var admin = await fixture.NewPageAsync();
        await admin.SignInAsync(E2EApp.AdminEmail);
        await admin.OpenAsync("");
        await Expect(admin.GetByTestId("agreement-panel")).ToBeVisibleAsync();
        await Expect(admin.GetByTestId("agreement-chart")).ToBeVisibleAsync();
        var link = admin.GetByTestId("agreement-adjudicate").Filter(new() { HasText = $"#{id}" });
        await link.ClickAsync();
        await Expect(admin).ToHaveURLAsync(new Regex($@"/annotate/{id}$"));
        await Expect(admin.GetByTestId("adjudicate-annotations")).ToContainTextAsync(SecondExpert);
        await admin.Locator("select[data-testid=form-task-type]").SelectOptionAsync("Math");
        await admin.GetByTestId("form-submit").ClickAsync();
        await Expect(admin.GetByTestId("annotate-status")).ToHaveAttributeAsync("data-status", "approved");
        await Expect(admin.GetByTestId("annotate-approved")).ToBeVisibleAsync();
        await Screenshots.TakeAsync(admin, "10-adjudicated");
        output.WriteLine("adjudicated");
    }

    private static async Task AnnotateAsync(IPage page, string taskType, string difficulty)
    {
        await Expect(page.GetByTestId("annotate-form")).ToBeVisibleAsync();
        await page.Locator("select[data-testid=form-task-type]").SelectOptionAsync(taskType);
        await page.Locator("select[data-testid=form-difficulty]").SelectOptionAsync(difficulty);
        await page.GetByTestId("form-tag-calculation").CheckAsync();
        var answer = page.Locator("textarea[data-testid=form-answer], [data-testid=form-answer] textarea").First;
        await answer.FillAsync("Interest = principal × 3.5% × 3.");
        await answer.BlurAsync();
        await page.GetByTestId("form-submit").ClickAsync();
    }
}
