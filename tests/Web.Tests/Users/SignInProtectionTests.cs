using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DeepFinance.Web.Data;
using DeepFinance.Web.Tests.TestSupport;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Web.Tests.Users;

/// <summary>
/// Finding "Anyone can lock the admin out": five anonymous wrong passwords locked the first admin for ten minutes, and
/// the login answer told "locked" and "disabled" apart from "wrong password". Sign-in is now rate limited per client
/// and per account, and wrong passwords hold back the devices sending them, not the owner's known device.
/// </summary>
public sealed class SignInProtectionTests(UsersApiTests.App fixture) : IClassFixture<UsersApiTests.App>
{
    private const string Wrong = "Not-the-Passw0rd!";

    private readonly DeepFinanceApp _app = fixture.Host;

    private static string Unique(string name) => $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)] + "@test.local";

    /// <summary>A script that keeps cookies, as curl -c/-b or HttpClient with a cookie jar does.</summary>
    private HttpClient Device() => PageSignIn.Browser(_app);

    private static Task<HttpResponseMessage> ApiLoginAsync(HttpClient client, string email, string password) =>
        client.PostAsJsonAsync("/api/v1/auth/login", new { email, password });

    [Fact]
    public async Task Five_anonymous_wrong_passwords_do_not_lock_the_owner_out()
    {
        var owner = Unique("owner");
        await _app.CreateUserAsync(owner, "Admin");
        var ownerScript = Device();
        Assert.Equal(HttpStatusCode.OK, (await ApiLoginAsync(ownerScript, owner, DeepFinanceApp.Password)).StatusCode);
        var ownerBrowser = await PageSignIn.SignedInAsync(_app, owner);

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await ApiLoginAsync(_app.Anonymous(), owner, Wrong)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await ApiLoginAsync(ownerScript, owner, DeepFinanceApp.Password)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await PageSignIn.TryAsync(ownerBrowser, owner, DeepFinanceApp.Password)).StatusCode);

        // The attacker keeps going: their devices now wait, even with the right password, and hear the usual answer.
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await ApiLoginAsync(_app.Anonymous(), owner, Wrong)).StatusCode);
        }
        var held = await ApiLoginAsync(_app.Anonymous(), owner, DeepFinanceApp.Password);
        Assert.Equal(HttpStatusCode.Unauthorized, held.StatusCode);
        Assert.Equal("Wrong email or password, or the account may not sign in now.",
            (await held.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        var heldPage = await PageSignIn.TryAsync(PageSignIn.Browser(_app), owner, DeepFinanceApp.Password);
        Assert.Equal(HttpStatusCode.OK, heldPage.StatusCode);

        // ...while the owner's devices still sign in, and the account itself is not locked.
        Assert.Equal(HttpStatusCode.OK, (await ApiLoginAsync(ownerScript, owner, DeepFinanceApp.Password)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await PageSignIn.TryAsync(ownerBrowser, owner, DeepFinanceApp.Password)).StatusCode);
        var admin = await _app.SignedInAsync();
        var row = (await admin.GetFromJsonAsync<JsonElement>($"/api/v1/users?search={Uri.EscapeDataString(owner)}")).GetProperty("items")[0];
        Assert.False(row.GetProperty("lockedOut").GetBoolean());
    }

    [Fact]
    public async Task The_login_answer_is_the_same_for_locked_disabled_and_wrong_password()
    {
        var wrong = Unique("wrong");
        var disabled = Unique("disabled");
        var locked = Unique("locked");
        var held = Unique("held");
        foreach (var email in new[] { wrong, disabled, locked, held })
        {
            await _app.CreateUserAsync(email, "Operator");
        }
        var admin = await _app.SignedInAsync();
        var disabledId = (await admin.GetFromJsonAsync<JsonElement>($"/api/v1/users?search={Uri.EscapeDataString(disabled)}")).GetProperty("items")[0].GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/v1/users/{disabledId}/disable", null)).StatusCode);
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            // Locked the way Identity locks: a lockout end in the future.
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            var user = (await users.FindByEmailAsync(locked))!;
            await users.SetLockoutEnabledAsync(user, true);
            await users.SetLockoutEndDateAsync(user, DateTimeOffset.UtcNow.AddHours(1));
        }
        for (var i = 0; i < 8; i++)
        {
            await ApiLoginAsync(_app.Anonymous(), held, Wrong);
        }

        var cases = new (string Why, string Email, string Password)[]
        {
            ("wrong password", wrong, Wrong),
            ("unknown email", Unique("nobody"), DeepFinanceApp.Password),
            ("disabled, right password", disabled, DeepFinanceApp.Password),
            ("locked, right password", locked, DeepFinanceApp.Password),
            ("held back by the backoff, right password", held, DeepFinanceApp.Password),
        };
        var api = new List<string>();
        var page = new List<string>();
        foreach (var (why, email, password) in cases)
        {
            var response = await ApiLoginAsync(_app.Anonymous(), email, password);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            // traceId differs per request by nature; everything a caller could read meaning from must not.
            api.Add($"{(int)response.StatusCode} {body.GetProperty("title")} {body.GetProperty("detail")} {body.GetProperty("type")} {response.Content.Headers.ContentType}");

            var form = await PageSignIn.TryAsync(PageSignIn.Browser(_app), email, password);
            var html = await form.Content.ReadAsStringAsync();
            page.Add($"{(int)form.StatusCode} {form.Headers.Location} {PageSignIn.ErrorOf(html)}");
            Assert.True(form.StatusCode == HttpStatusCode.OK && PageSignIn.ErrorOf(html) is not null, $"{why}: the page gave {(int)form.StatusCode} {form.Headers.Location}");
        }

        Assert.True(api.Distinct().Count() == 1, "API answers differ:\n" + string.Join("\n", cases.Zip(api, (c, a) => $"{c.Why}: {a}")));
        Assert.StartsWith("401 ", api[0], StringComparison.Ordinal);
        Assert.True(page.Distinct().Count() == 1, "page answers differ:\n" + string.Join("\n", cases.Zip(page, (c, a) => $"{c.Why}: {a}")));
    }

    [Fact]
    public async Task Sign_in_is_rate_limited_per_client_and_per_account_with_429_retry_after_and_a_plain_page()
    {
        using var app = new DeepFinanceApp(new Dictionary<string, string?>
        {
            ["DeepFinance:Access:ClientAttemptsPerMinute"] = "5",
            ["DeepFinance:Access:AccountAttemptsPerMinute"] = "3",
        });
        const string owner = DeepFinanceApp.AdminEmail;
        var ownerScript = PageSignIn.Browser(app);
        Assert.Equal(HttpStatusCode.OK, (await ApiLoginAsync(ownerScript, owner, DeepFinanceApp.Password)).StatusCode); // account 1, client 1
        Assert.Equal(HttpStatusCode.Unauthorized, (await ApiLoginAsync(app.Anonymous(), owner, Wrong)).StatusCode);     // account 2, client 2
        Assert.Equal(HttpStatusCode.Unauthorized, (await ApiLoginAsync(app.Anonymous(), owner, Wrong)).StatusCode);     // account 3, client 3

        var accountLimited = await ApiLoginAsync(app.Anonymous(), owner, Wrong);                                        // account over
        Assert.Equal(HttpStatusCode.TooManyRequests, accountLimited.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ApiLoginAsync(app.Anonymous(), "someone@test.local", Wrong)).StatusCode); // client 4
        // The owner's known device is not held to the account's budget.
        Assert.Equal(HttpStatusCode.OK, (await ApiLoginAsync(ownerScript, owner, DeepFinanceApp.Password)).StatusCode); // client 5

        var clientLimited = await ApiLoginAsync(app.Anonymous(), "someone-else@test.local", Wrong);                     // client over
        Assert.Equal(HttpStatusCode.TooManyRequests, clientLimited.StatusCode);
        foreach (var limited in new[] { accountLimited, clientLimited })
        {
            Assert.True(int.TryParse(limited.Headers.GetValues("Retry-After").Single(), out var seconds) && seconds is > 0 and <= 60,
                "Retry-After should say how many seconds to wait");
            Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
            var problem = await limited.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(429, problem.GetProperty("status").GetInt32());
            Assert.Contains("Too many sign-in attempts", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        var page = await PageSignIn.TryAsync(PageSignIn.Browser(app), owner, Wrong);
        Assert.Equal(HttpStatusCode.TooManyRequests, page.StatusCode);
        Assert.True(page.Headers.Contains("Retry-After"));
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Too many sign-in attempts. Try again in", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
