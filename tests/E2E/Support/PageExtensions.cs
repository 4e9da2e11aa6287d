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
}
