using System.Text.RegularExpressions;
using DeepFinance.E2E.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DeepFinance.E2E.Tests;

/// <summary>Sign-in in a real browser: anonymous visitors land on sign-in; each role sees only its navigation.</summary>
[Collection(BrowserCollection.Name)]
public sealed partial class NavigationByRoleTests(BrowserFixture fixture)
{
    private static readonly string[] ReadLinks = ["traces"];
    private static readonly string[] OperateLinks = ["operate/seeds", "operate/runs/new", "operate/runs"];
    private static readonly string[] AdminLinks = ["admin/users", "admin/audit"];
    private static readonly string[] ReviewLinks = ["review"];

    [BrowserFact]
    public async Task Anonymous_visit_to_the_dashboard_lands_on_sign_in()
    {
        var page = await fixture.NewPageAsync();
        try
        {
            await page.GotoAsync("");
            await Expect(page).ToHaveURLAsync(LoginUrl());
            await Expect(page.Locator("[id='Input.Email']")).ToBeVisibleAsync();
            await Expect(page.Locator("[id='Input.Password']")).ToBeVisibleAsync();
            // No app navigation leaks to an anonymous visitor.
            await Expect(NavLink(page, "traces")).ToHaveCountAsync(0);
            await Expect(NavLink(page, "operate/seeds")).ToHaveCountAsync(0);
            await Screenshots.TakeAsync(page, "01-sign-in");
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    public static TheoryData<string, string> People => new()
    {
        { "Admin", E2EApp.AdminEmail },
        { "Operator", BrowserFixture.OperatorEmail },
        { "Expert", BrowserFixture.ExpertEmail },
        { "Reviewer", BrowserFixture.ReviewerEmail },
    };

    [BrowserTheory]
    [MemberData(nameof(People))]
    public async Task Each_role_sees_only_its_navigation(string role, string email)
    {
        var page = await fixture.NewPageAsync();
        try
        {
            await page.SignInAsync(email);
            await Expect(page).ToHaveURLAsync(new Regex("^" + Regex.Escape(fixture.BaseAddress.ToString()) + "$"));

            var operate = role is "Admin" or "Operator";
            var admin = role is "Admin";
            foreach (var href in ReadLinks)
            {
                await Expect(NavLink(page, href)).ToBeVisibleAsync();
            }
            foreach (var href in OperateLinks)
            {
                await Expect(NavLink(page, href)).ToHaveCountAsync(operate ? 1 : 0);
            }
            foreach (var href in AdminLinks)
            {
                await Expect(NavLink(page, href)).ToHaveCountAsync(admin ? 1 : 0);
            }
            foreach (var href in ReviewLinks)
            {
                await Expect(NavLink(page, href)).ToHaveCountAsync(role is "Admin" or "Reviewer" ? 1 : 0);
            }
            Assert.True(fixture.CspViolations.IsEmpty, "CSP refusals:\n" + string.Join('\n', fixture.CspViolations));
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    /// <summary>Issue 8, "the culture switch is a GET that changes saved state": it is now a form POST, and still works in both render modes.</summary>
    [BrowserFact]
    public async Task Culture_switch_posts_a_form_on_the_sign_in_page_and_in_the_app()
    {
        var page = await fixture.NewPageAsync();
        try
        {
            // Sign-in page (no interactivity): the inline form.
            await page.GotoAsync("Account/Login");
            await page.GetByTestId("culture-zh-CN").ClickAsync();
            await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "zh-CN");
            await page.GetByTestId("culture-en").ClickAsync();
            await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");

            // In the app (interactive): the menu's form.
            await page.SignInAsync(BrowserFixture.ReviewerEmail);
            await page.Locator("[data-testid=culture-switcher] button").First.ClickAsync();
            await page.GetByTestId("culture-zh-CN").ClickAsync();
            await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "zh-CN");
            await Expect(page).ToHaveURLAsync(new Regex("^" + Regex.Escape(fixture.BaseAddress.ToString()) + "$"));
            await page.WaitForInteractiveAsync();
            // Back to English, so this user's remembered language is as the other tests expect.
            await page.Locator("[data-testid=culture-switcher] button").First.ClickAsync();
            await page.GetByTestId("culture-en").ClickAsync();
            await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    private static ILocator NavLink(IPage page, string href) => page.Locator($".mud-drawer a[href='{href}']");

    private static Regex LoginUrl() => LoginUrlRegex();

    [GeneratedRegex("/Account/Login(\\?|$)", RegexOptions.IgnoreCase)]
    private static partial Regex LoginUrlRegex();
}
