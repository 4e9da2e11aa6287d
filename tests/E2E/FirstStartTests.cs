using System.Collections.Concurrent;
using DeepFinance.E2E.Tests.Support;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace DeepFinance.E2E.Tests;

/// <summary>
/// What a new user meets first: README's quick start on a fresh clone (Production, build output, no settings),
/// then the sign-in page in Chromium. Every other browser test hosts the app in-process, so only this one sees
/// what <c>dotnet run</c> serves.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class FirstStartTests(BrowserFixture fixture, ITestOutputHelper output)
{
    private const string AdminEmail = "admin@deepfinance.local";

    [BrowserFact]
    public async Task A_fresh_clone_started_as_README_says_serves_a_styled_interactive_app()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using var app = await ClonedApp.StartAsync();
        output.WriteLine($"clone built and answered /health after {clock.Elapsed.TotalSeconds:F0} s at {app.BaseAddress}");

        var context = await fixture.Browser.NewContextAsync(new()
        {
            BaseURL = app.BaseAddress.ToString(),
            ViewportSize = new() { Width = 1366, Height = 860 },
            Locale = "en-US",
        });
        context.SetDefaultTimeout(60_000);
        context.SetDefaultNavigationTimeout(60_000);
        try
        {
            var page = await context.NewPageAsync();
            var csp = new ConcurrentQueue<string>();
            page.RecordCspViolations(csp);

            // 1. Every script and stylesheet of the sign-in page loads.
            var loaded = new ConcurrentQueue<string>();
            var broken = new ConcurrentQueue<string>();
            page.Response += (_, response) =>
            {
                if (!IsScriptOrStyle(response.Request))
                {
                    return;
                }
                (response.Status >= 400 ? broken : loaded).Enqueue($"{response.Status} {response.Url}");
            };
            page.RequestFailed += (_, request) =>
            {
                if (IsScriptOrStyle(request))
                {
                    broken.Enqueue($"failed ({request.Failure}) {request.Url}");
                }
            };
            await page.GotoAsync("Account/Login", new() { WaitUntil = WaitUntilState.NetworkIdle });
            Assert.True(broken.IsEmpty,
                "Scripts or stylesheets of the sign-in page did not load:\n" + string.Join('\n', broken)
                + "\nApp console:\n" + app.ConsoleTail());
            Assert.Contains(loaded, l => l.Contains("/_framework/blazor.web.", StringComparison.Ordinal));
            Assert.Contains(loaded, l => l.Contains("/_content/MudBlazor/MudBlazor.min.", StringComparison.Ordinal) && l.EndsWith(".css", StringComparison.Ordinal));
            Assert.Contains(loaded, l => l.Contains("/_content/MudBlazor/MudBlazor.min.", StringComparison.Ordinal) && l.EndsWith(".js", StringComparison.Ordinal));
            // The styles are applied, not only fetched: MudBlazor's CSS pins the app bar to the top.
            Assert.Equal("fixed", await page.Locator(".mud-appbar").EvaluateAsync<string>("e => getComputedStyle(e).position"));
            output.WriteLine($"sign-in page: {loaded.Count} scripts and stylesheets loaded");

            // 2. The Blazor circuit connects: after sign-in, the layout renders its marker only when interactive.
            await page.Locator("[id='Input.Email']").FillAsync(AdminEmail);
            await page.Locator("[id='Input.Password']").FillAsync(app.ReadInitialAdminPassword());
            await page.Locator("button[type=submit].btn-primary:not([name=__passkeySubmit])").ClickAsync();
            await Expect(page.GetByTestId("user-name")).ToHaveTextAsync(AdminEmail, new() { Timeout = 60_000 });
            try
            {
                await page.Locator("[data-testid=interactive]").WaitForAsync(new() { State = WaitForSelectorState.Attached, Timeout = 60_000 });
            }
            catch (TimeoutException)
            {
                Assert.Fail("After sign-in the Blazor circuit did not connect within 60 s (no interactive render).\n"
                    + "Broken scripts/stylesheets: " + string.Join("; ", broken) + "\nApp console:\n" + app.ConsoleTail());
            }

            // 3. A MudBlazor control responds: the language menu (a MudMenu, interactive only) opens its items.
            await page.Locator("[data-testid=culture-switcher] button").First.ClickAsync();
            await Expect(page.GetByTestId("culture-zh-CN")).ToBeVisibleAsync(new() { Timeout = 20_000 });
            await Expect(page.GetByTestId("culture-en")).ToBeVisibleAsync();
            Assert.True(broken.IsEmpty, "Scripts or stylesheets failed after sign-in:\n" + string.Join('\n', broken));
            Assert.True(csp.IsEmpty, "The strict CSP refused something the app itself needs:\n" + string.Join('\n', csp));
            output.WriteLine($"done after {clock.Elapsed.TotalSeconds:F0} s");
        }
        finally
        {
            await context.CloseAsync();
        }
    }

    private static bool IsScriptOrStyle(IRequest request) => request.ResourceType is "script" or "stylesheet";
}
