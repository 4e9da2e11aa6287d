using Microsoft.Playwright;

namespace DeepFinance.E2E.Tests.Support;

/// <summary>
/// One app and one Chromium for the whole collection. Each test gets its own browser context (cookies apart).
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string OperatorEmail = "operator@e2e.local";
    public const string ExpertEmail = "expert@e2e.local";
    public const string ReviewerEmail = "reviewer@e2e.local";

    private static readonly string[] LaunchArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync", "--disable-quic",
    ];

    private IPlaywright? playwright;
    private IBrowser? browser;

    public E2EApp App { get; private set; } = default!;

    public IBrowser Browser => browser ?? throw new InvalidOperationException("Chromium was not launched.");

    public Uri BaseAddress => App.BaseAddress;

    /// <summary>Every Content-Security-Policy refusal any page of this collection logged; a test that sees one fails.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> CspViolations { get; } = new();

    public async Task InitializeAsync()
    {
        if (Chromium.SkipReason is not null)
        {
            // Every test is skipped (outside CI without Chromium): start nothing.
            return;
        }
        if (!Chromium.IsInstalled)
        {
            throw new InvalidOperationException(
                $"CI=true but Chromium is missing at {Chromium.ExecutablePath}. .ci/run installs it with apt.");
        }
        Assertions.SetDefaultExpectTimeout(20_000);
        App = new E2EApp();
        await App.CreateUserAsync(OperatorEmail, "Operator");
        await App.CreateUserAsync(ExpertEmail, "Expert");
        await App.CreateUserAsync(ReviewerEmail, "Reviewer");
        playwright = await Playwright.CreateAsync();
        browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium.ExecutablePath,
            Headless = true,
            Args = LaunchArgs,
        });
    }

    public async Task DisposeAsync()
    {
        if (browser is not null)
        {
            await browser.CloseAsync();
        }
        playwright?.Dispose();
        if (App is not null)
        {
            await App.DisposeAsync();
        }
    }

    /// <summary>A fresh context (no cookies) and page on the app, at a desktop size.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new()
        {
            BaseURL = BaseAddress.ToString(),
            ViewportSize = new() { Width = 1366, Height = 860 },
            Locale = "en-US",
        });
        context.SetDefaultTimeout(30_000);
        context.SetDefaultNavigationTimeout(30_000);
        var page = await context.NewPageAsync();
        page.RecordCspViolations(CspViolations);
        return page;
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}
