using System.Net;
using DeepFinance.Web.Data;
using DeepFinance.Web.Tests.TestSupport;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Web.Tests.Localization;

/// <summary>GET /culture/set: the cookie, the redirect, the refusals, and the remembered choice.</summary>
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

    [Fact]
    public async Task Setting_zh_CN_writes_the_culture_cookie_for_a_year_and_redirects()
    {
        using var client = NoRedirects();

        var response = await client.GetAsync("/culture/set?culture=zh-CN&redirectUri=/");

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
        using var client = NoRedirects();

        var response = await client.GetAsync("/culture/set?culture=en&redirectUri=" + Uri.EscapeDataString("/traces?run=3"));

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
        using var client = NoRedirects();

        var response = await client.GetAsync($"/culture/set?culture={Uri.EscapeDataString(culture)}&redirectUri={Uri.EscapeDataString(redirectUri)}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie") && response.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith(".AspNetCore.Culture", StringComparison.Ordinal)));
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
        using (var signedIn = await _app.SignedInAsync(email))
        {
            var switched = await signedIn.GetAsync("/culture/set?culture=zh-CN&redirectUri=/health");
            Assert.True(switched.IsSuccessStatusCode, switched.StatusCode.ToString());
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
}
