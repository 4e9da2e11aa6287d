using System.Net;
using DeepFinance.Web.Data;
using DeepFinance.Web.Tests.TestSupport;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Web.Tests.Localization;

/// <summary>POST /culture/set: the cookie, the redirect, the refusals, the remembered choice, and no GET.</summary>
public sealed class CultureEndpointTests : IClassFixture<CultureEndpointTests.App>
{
    public sealed class App : IDisposable
    {
        public DeepFinanceApp Host { get; } = new();

        public void Dispose() => Host.Dispose();
    }

    private readonly DeepFinanceApp _app;

    public CultureEndpointTests(App app) => _app = app.Host;

    private HttpClient NoRedirects() =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = _app.BaseAddress };

    /// <summary>A browser: cookies kept, redirects not followed.</summary>
    private HttpClient Browser(CookieContainer? cookies = null) =>
        new(new HttpClientHandler { CookieContainer = cookies ?? new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = _app.BaseAddress };

    private static async Task<string> TokenFromAsync(HttpClient browser, string page)
    {
        var html = await browser.GetStringAsync(page);
        var token = System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        Assert.NotEmpty(token);
        return token;
    }

    /// <summary>What the switcher's form sends, token included (taken from the page the form is on).</summary>
    private static async Task<HttpResponseMessage> SwitchAsync(HttpClient browser, string culture, string redirectUri, string page = "/Account/Login")
    {
        var token = await TokenFromAsync(browser, page);
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["culture"] = culture,
            ["redirectUri"] = redirectUri,
        });
        return await browser.PostAsync("/culture/set", form);
    }

    private static bool SetsCultureCookie(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith(".AspNetCore.Culture", StringComparison.Ordinal));

    [Fact]
    public async Task Setting_zh_CN_writes_the_culture_cookie_for_a_year_and_redirects()
    {
        using var browser = Browser();

        var response = await SwitchAsync(browser, "zh-CN", "/");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location?.OriginalString);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(".AspNetCore.Culture=", StringComparison.Ordinal));
        Assert.Contains("c%3Dzh-CN%7Cuic%3Dzh-CN", cookie, StringComparison.Ordinal);
        var expires = System.Text.RegularExpressions.Regex.Match(cookie, "expires=([^;]+)", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        Assert.True(expires.Success, cookie);
        Assert.True(DateTimeOffset.Parse(expires.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > DateTimeOffset.UtcNow.AddDays(360), cookie);
    }

    [Fact]
    public async Task The_redirect_keeps_path_and_query()
    {
        using var browser = Browser();

        var response = await SwitchAsync(browser, "en", "/traces?run=3");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/traces?run=3", response.Headers.Location?.OriginalString);
    }

    [Theory]
    [InlineData("fr-FR", "/")]
    [InlineData("", "/")]
    [InlineData("zh-CN", "https://evil.example/")]
    [InlineData("zh-CN", "//evil.example/")]
    [InlineData("zh-CN", "/\\evil.example/")]
    [InlineData("zh-CN", "")]
    public async Task An_unsupported_culture_or_a_foreign_redirect_is_refused(string culture, string redirectUri)
    {
        using var browser = Browser();

        var response = await SwitchAsync(browser, culture, redirectUri);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(SetsCultureCookie(response));
    }

    [Fact]
    public async Task Culture_switch_get_changes_no_saved_state()
    {
        const string email = "culture-get@test.local";
        await _app.CreateUserAsync(email, "Expert");
        using var signedIn = await _app.SignedInAsync(email);
        using var plain = NoRedirects();

        // What a link or an <img> on another site would make a signed-in browser send.
        var byUser = await signedIn.GetAsync("/culture/set?culture=zh-CN&redirectUri=/");
        var byAnyone = await plain.GetAsync("/culture/set?culture=zh-CN&redirectUri=/");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, byUser.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, byAnyone.StatusCode);
        Assert.False(SetsCultureCookie(byUser) || SetsCultureCookie(byAnyone));
        await using var scope = _app.Services.CreateAsyncScope();
        var user = await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().FindByEmailAsync(email);
        Assert.NotEqual("zh-CN", user!.PreferredCulture);
    }

    [Fact]
    public async Task Culture_switch_post_without_the_antiforgery_token_is_refused()
    {
        using var browser = Browser();
        await TokenFromAsync(browser, "/Account/Login");
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["culture"] = "zh-CN", ["redirectUri"] = "/" });

        var response = await browser.PostAsync("/culture/set", form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(SetsCultureCookie(response));
    }

    [Fact]
    public async Task The_page_language_follows_the_cookie()
    {
        using var client = NoRedirects();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/Account/Login");
        request.Headers.Add("Cookie", ".AspNetCore.Culture=c%3Dzh-CN%7Cuic%3Dzh-CN");

        // Blazor encodes non-ASCII text as character references.
        var html = WebUtility.HtmlDecode(await (await client.SendAsync(request)).Content.ReadAsStringAsync());

        Assert.Contains("<html lang=\"zh-CN\"", html, StringComparison.Ordinal);
        Assert.Contains("使用您的 DeepFinance 账号登录", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Sign in with your DeepFinance account", html, StringComparison.Ordinal);
        var english = WebUtility.HtmlDecode(await client.GetStringAsync("/Account/Login"));
        Assert.Contains("<html lang=\"en\"", english, StringComparison.Ordinal);
        Assert.Contains("Sign in with your DeepFinance account", english, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signed_in_choice_is_remembered_and_applied_at_the_next_cookie_sign_in()
    {
        const string email = "culture@test.local";
        await _app.CreateUserAsync(email, "Expert");
        var signedInCookies = new CookieContainer();
        using (var signedIn = Browser(signedInCookies))
        {
            await SignInWithTheFormAsync(signedIn, email);
            // The token comes from a page of the signed-in user, as the switcher in the app bar carries it.
            var switched = await SwitchAsync(signedIn, "zh-CN", "/health", page: "/");
            Assert.Equal(HttpStatusCode.Redirect, switched.StatusCode);
        }
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var user = await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().FindByEmailAsync(email);
            Assert.Equal("zh-CN", user!.PreferredCulture);
        }

        // A fresh browser (no culture cookie) signs in with the form: the response carries the remembered culture.
        var cookies = new CookieContainer();
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = _app.BaseAddress };
        var form = await browser.GetStringAsync("/Account/Login");
        var token = System.Text.RegularExpressions.Regex.Match(form, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        Assert.NotEmpty(token);
        using var post = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["_handler"] = "login",
            ["Input.Email"] = email,
            ["Input.Password"] = DeepFinanceApp.Password,
        });
        var login = await browser.PostAsync("/Account/Login", post);

        Assert.True(login.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.OK, login.StatusCode.ToString());
        var culture = cookies.GetCookies(_app.BaseAddress)[".AspNetCore.Culture"];
        Assert.NotNull(culture);
        Assert.Equal("c=zh-CN|uic=zh-CN", Uri.UnescapeDataString(culture.Value));
    }

    private static async Task SignInWithTheFormAsync(HttpClient browser, string email)
    {
        var token = await TokenFromAsync(browser, "/Account/Login");
        using var post = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["_handler"] = "login",
            ["Input.Email"] = email,
            ["Input.Password"] = DeepFinanceApp.Password,
        });
        var login = await browser.PostAsync("/Account/Login", post);
        Assert.True(login.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found, login.StatusCode.ToString());
    }
}
