using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DeepFinance.E2E.Tests.Support;

public static class PageExtensions
{
    /// <summary>
    /// Waits until the Blazor circuit is up (MainLayout renders the marker only when interactive):
    /// prerendered buttons look clickable but do nothing before that.
    /// </summary>
    public static Task WaitForInteractiveAsync(this IPage page) =>
        page.Locator("[data-testid=interactive]").WaitForAsync(new() { State = WaitForSelectorState.Attached, Timeout = 30_000 });

    /// <summary>Signs in through the real login form and waits for the interactive app shell.</summary>
    public static async Task SignInAsync(this IPage page, string email, string password = E2EApp.Password)
    {
        await page.GotoAsync("Account/Login");
        await page.Locator("[id='Input.Email']").FillAsync(email);
        await page.Locator("[id='Input.Password']").FillAsync(password);
        await page.Locator("button[type=submit].btn-primary:not([name=__passkeySubmit])").ClickAsync();
        await Expect(page.GetByTestId("user-name")).ToHaveTextAsync(email);
        await page.WaitForInteractiveAsync();
    }

    /// <summary>Chromium reports a CSP refusal as a console error naming the policy; collect those.</summary>
    public static void RecordCspViolations(this IPage page, System.Collections.Concurrent.ConcurrentQueue<string> into)
    {
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                into.Enqueue($"{page.Url}: {message.Text}");
            }
        };
    }

    /// <summary>Opens an app page and waits for interactivity.</summary>
    public static async Task OpenAsync(this IPage page, string relativeUrl)
    {
        await page.GotoAsync(relativeUrl);
        await page.WaitForInteractiveAsync();
    }

    /// <summary>The input of a MudBlazor field, whether the test id lands on the input or on its wrapper.</summary>
    public static ILocator Field(this IPage page, string testId) =>
        page.Locator($"input[data-testid={testId}], [data-testid={testId}] input:not([type=hidden])").First;

    /// <summary>Opens a MudSelect and picks the item whose text starts with <paramref name="item"/>.</summary>
    public static async Task ChooseAsync(this IPage page, string testId, string item)
    {
        await page.Locator($"[data-testid={testId}]").First.ClickAsync();
        var option = page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasTextRegex = new Regex("^\\s*" + Regex.Escape(item)) });
        await option.First.ClickAsync();
        await Expect(page.Locator(".mud-popover-open .mud-list-item")).ToHaveCountAsync(0);
    }

    /// <summary>
    /// Chooses a file on the seed sources page (MudFileUpload's hidden input). The page re-renders once its sources are
    /// loaded, which can replace the input under a busy machine; a file set on the replaced input is lost, so choose it
    /// again until the page names it.
    /// </summary>
    public static async Task ChooseSeedFileAsync(this IPage page, FilePayload file)
    {
        for (var attempt = 1; ; attempt++)
        {
            await page.Locator("input[type=file]").SetInputFilesAsync(file);
            try
            {
                await Expect(page.GetByTestId("seed-file-name")).ToHaveTextAsync(file.Name, new() { Timeout = attempt < 3 ? 5_000 : 20_000 });
                return;
            }
            catch (PlaywrightException) when (attempt < 3)
            {
                // Not taken yet: choose it again.
            }
        }
    }
}
