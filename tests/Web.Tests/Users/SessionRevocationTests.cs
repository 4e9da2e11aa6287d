using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using DeepFinance.Web.Components.Account;
using DeepFinance.Web.Data;
using DeepFinance.Web.Security;
using DeepFinance.Web.Tests.TestSupport;
using DeepFinance.Web.Users;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DeepFinance.Web.Tests.Users;

/// <summary>
/// Finding "Revoking access ends no session": a disabled user's bearer token still launched runs half an hour later and
/// cookies lived until the 30-minute revalidation; refresh tokens could be used twice. Each test holds a bearer token
/// and a signed-in cookie from before the change and polls until both are refused.
/// </summary>
public sealed class SessionRevocationTests(UsersApiTests.App fixture) : IClassFixture<UsersApiTests.App>
{
    private const string NewPassword = "Another-Passw0rd!";
    private const string OperatorRoute = "/api/v1/seed-sources";

    private readonly DeepFinanceApp _app = fixture.Host;

    private sealed record Sessions(string Id, string Email, HttpClient Bearer, HttpClient Cookie);

    private async Task<Sessions> UserHoldingBearerAndCookieAsync(params string[] roles)
    {
        var admin = await _app.SignedInAsync();
        var email = $"held-{Guid.NewGuid():N}"[..14] + "@test.local";
        var created = await admin.PostAsJsonAsync("/api/v1/users", new { email, password = DeepFinanceApp.Password, roles });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var bearer = await _app.SignedInAsync(email);
        var cookie = await PageSignIn.SignedInAsync(_app, email);
        Assert.Equal(HttpStatusCode.OK, (await bearer.GetAsync(OperatorRoute)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await cookie.GetAsync(OperatorRoute)).StatusCode);
        return new Sessions(id, email, bearer, cookie);
    }

    /// <summary>Polls (never a fixed sleep) until both sessions get 401; fails if that takes more than five seconds.</summary>
    private static async Task AssertBothRefusedWithinFiveSecondsAsync(Sessions held)
    {
        var clock = Stopwatch.StartNew();
        HttpStatusCode bearer, cookie;
        do
        {
            bearer = (await held.Bearer.GetAsync(OperatorRoute)).StatusCode;
            cookie = (await held.Cookie.GetAsync(OperatorRoute)).StatusCode;
            if (bearer == HttpStatusCode.Unauthorized && cookie == HttpStatusCode.Unauthorized)
            {
                // The page, too, sends the person back to sign in.
                var page = await held.Cookie.GetAsync("/operate/runs");
                Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
                Assert.Contains("/Account/Login", page.Headers.Location!.ToString(), StringComparison.Ordinal);
                return;
            }
            await Task.Delay(100);
        }
        while (clock.Elapsed < TimeSpan.FromSeconds(5));
        Assert.Fail($"after 5 s the old bearer token gets {(int)bearer} and the old cookie {(int)cookie}; both should get 401");
    }

    [Fact]
    public async Task Disabling_a_user_refuses_their_old_bearer_token_and_cookie_within_seconds()
    {
        var held = await UserHoldingBearerAndCookieAsync("operator");
        var admin = await _app.SignedInAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/v1/users/{held.Id}/disable", null)).StatusCode);

        await AssertBothRefusedWithinFiveSecondsAsync(held);
        var launch = await held.Bearer.PostAsJsonAsync("/api/v1/runs", new { kind = "q2a", synthesizer = "simulator", spec = new { seedSourceId = 1, samplesPerQuestion = 1 } });
        Assert.Equal(HttpStatusCode.Unauthorized, launch.StatusCode);
    }

    [Fact]
    public async Task Resetting_a_password_refuses_the_old_bearer_token_and_cookie_within_seconds()
    {
        var held = await UserHoldingBearerAndCookieAsync("operator");
        var admin = await _app.SignedInAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsJsonAsync($"/api/v1/users/{held.Id}/password", new { password = NewPassword })).StatusCode);

        await AssertBothRefusedWithinFiveSecondsAsync(held);
        var again = await _app.SignedInAsync(held.Email, NewPassword);
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync(OperatorRoute)).StatusCode);
    }

    [Fact]
    public async Task Removing_a_role_refuses_the_old_bearer_token_and_cookie_within_seconds()
    {
        var held = await UserHoldingBearerAndCookieAsync("operator", "reviewer");
        var admin = await _app.SignedInAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PutAsJsonAsync($"/api/v1/users/{held.Id}/roles", new { roles = new[] { "reviewer" } })).StatusCode);

        await AssertBothRefusedWithinFiveSecondsAsync(held);
        // Signing in again gives what the remaining role allows.
        var again = await _app.SignedInAsync(held.Email);
        Assert.Equal(HttpStatusCode.Forbidden, (await again.GetAsync(OperatorRoute)).StatusCode);
    }

    [Fact]
    public async Task Changing_ones_own_password_ends_the_other_sessions_but_keeps_the_page_it_was_changed_on()
    {
        var held = await UserHoldingBearerAndCookieAsync("operator");

        var changed = await PageSignIn.PostFormAsync(held.Cookie, "/Account/Manage/ChangePassword", new Dictionary<string, string>
        {
            ["Input.OldPassword"] = DeepFinanceApp.Password,
            ["Input.NewPassword"] = NewPassword,
            ["Input.ConfirmPassword"] = NewPassword,
        });
        Assert.True(changed.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.OK, $"changing the password gave {(int)changed.StatusCode}");

        var clock = Stopwatch.StartNew();
        while ((await held.Bearer.GetAsync(OperatorRoute)).StatusCode != HttpStatusCode.Unauthorized)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), "the bearer token from before the password change still works after 5 s");
            await Task.Delay(100);
        }
        Assert.Equal(HttpStatusCode.OK, (await held.Cookie.GetAsync(OperatorRoute)).StatusCode);
    }

    [Fact]
    public async Task A_refresh_token_works_once_and_presenting_it_again_revokes_its_family()
    {
        var email = $"refresh-{Guid.NewGuid():N}"[..16] + "@test.local";
        await _app.CreateUserAsync(email, "Operator");
        var anonymous = _app.Anonymous();
        var login = await (await anonymous.PostAsJsonAsync("/api/v1/auth/login", new { email, password = DeepFinanceApp.Password })).Content.ReadFromJsonAsync<JsonElement>();
        var first = login.GetProperty("refreshToken").GetString();

        var rotated = await anonymous.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = first });
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var next = await rotated.Content.ReadFromJsonAsync<JsonElement>();
        var second = next.GetProperty("refreshToken").GetString();
        Assert.NotEqual(first, second);
        var access = new HttpClient { BaseAddress = _app.BaseAddress };
        access.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", next.GetProperty("accessToken").GetString());
        Assert.Equal(HttpStatusCode.OK, (await access.GetAsync(OperatorRoute)).StatusCode);

        var reused = await anonymous.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = first });

        Assert.Equal(HttpStatusCode.Unauthorized, reused.StatusCode);
        // A copied token was used: the whole family ends, the newest refresh token and its access token included.
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = second })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await access.GetAsync(OperatorRoute)).StatusCode);
        var admin = await _app.SignedInAsync();
        var audit = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/audit?subject={Uri.EscapeDataString("user:" + email)}");
        Assert.Contains(audit.GetProperty("items").EnumerateArray(), e => e.GetProperty("action").GetString() == "session.refresh-token-reused");
        // Signing in again starts a new family.
        Assert.Equal(HttpStatusCode.OK, (await anonymous.PostAsJsonAsync("/api/v1/auth/login", new { email, password = DeepFinanceApp.Password })).StatusCode);
    }

    [Fact]
    public async Task A_user_disabled_without_a_new_security_stamp_is_still_refused_within_seconds()
    {
        var held = await UserHoldingBearerAndCookieAsync("operator");
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            // Straight to the store, as another node or a script might: the stamp stays as it was.
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            var user = (await users.FindByIdAsync(held.Id))!;
            var stamp = user.SecurityStamp;
            await users.SetLockoutEnabledAsync(user, true);
            await users.SetLockoutEndDateAsync(user, UserAdministration.DisabledUntil);
            Assert.Equal(stamp, (await users.FindByIdAsync(held.Id))!.SecurityStamp);
        }

        await AssertBothRefusedWithinFiveSecondsAsync(held);
    }

    [Fact]
    public async Task An_open_page_loses_its_signed_in_user_within_seconds_of_the_user_being_disabled()
    {
        var held = await UserHoldingBearerAndCookieAsync("operator");
        var services = _app.Services;
        ClaimsPrincipalHolder signedIn;
        await using (var scope = services.CreateAsyncScope())
        {
            var signIn = scope.ServiceProvider.GetRequiredService<SignInManager<ApplicationUser>>();
            signedIn = new(await signIn.CreateUserPrincipalAsync((await signIn.UserManager.FindByIdAsync(held.Id))!));
        }
        // The provider a Blazor circuit uses, with the app's own services, as an open page holds it.
        using var circuit = new IdentityRevalidatingAuthenticationStateProvider(services.GetRequiredService<ILoggerFactory>(),
            services.GetRequiredService<SessionValidator>(), services.GetRequiredService<IOptions<AccessOptions>>());
        var signedOut = new TaskCompletionSource<AuthenticationState>(TaskCreationOptions.RunContinuationsAsynchronously);
        circuit.SetAuthenticationState(Task.FromResult(new AuthenticationState(signedIn.Principal)));
        circuit.AuthenticationStateChanged += async state =>
        {
            if ((await state).User.Identity?.IsAuthenticated != true)
            {
                signedOut.TrySetResult(await state);
            }
        };
        Assert.Equal(held.Email, (await circuit.GetAuthenticationStateAsync()).User.Identity?.Name);

        var admin = await _app.SignedInAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/v1/users/{held.Id}/disable", null)).StatusCode);

        var finished = await Task.WhenAny(signedOut.Task, Task.Delay(TimeSpan.FromSeconds(5)));
        Assert.True(finished == signedOut.Task, "the open page still had its user 5 s after the user was disabled");
        Assert.False((await signedOut.Task).User.Identity?.IsAuthenticated);
    }

    [Fact]
    public void A_session_check_interval_out_of_range_stops_the_app_with_the_setting_named()
    {
        var error = Assert.ThrowsAny<Exception>(() => new DeepFinanceApp(new Dictionary<string, string?> { ["DeepFinance:Access:SessionCheckSeconds"] = "3600" }));
        Assert.Contains("SessionCheckSeconds", error.ToString(), StringComparison.Ordinal);
    }

    private sealed record ClaimsPrincipalHolder(System.Security.Claims.ClaimsPrincipal Principal);
}
