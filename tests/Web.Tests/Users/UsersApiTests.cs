using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DeepFinance.Web.Data;
using DeepFinance.Web.Tests.TestSupport;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Web.Tests.Users;

/// <summary>The users and audit APIs against the real app: provisioning, sign-in effects, refusals and the audit trail.</summary>
public sealed class UsersApiTests(UsersApiTests.App fixture) : IClassFixture<UsersApiTests.App>
{
    public sealed class App : IDisposable
    {
        public App()
        {
            QuietHangfireLogs.Apply();
            Host = new DeepFinanceApp();
        }

        public DeepFinanceApp Host { get; }

        public void Dispose()
        {
            QuietHangfireLogs.Apply();
            Host.Dispose();
        }
    }

    private const string NewPassword = "Another-Passw0rd!";

    private readonly DeepFinanceApp _app = fixture.Host;

    private static string Unique(string name) => $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)] + "@test.local";

    private static async Task<string> CreateAsync(HttpClient admin, string email, params string[] roles)
    {
        var response = await admin.PostAsJsonAsync("/api/v1/users", new { email, password = DeepFinanceApp.Password, roles });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private static async Task<JsonElement> UserAsync(HttpClient admin, string email)
    {
        var list = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/users?search={Uri.EscapeDataString(email)}");
        return Assert.Single(list.GetProperty("items").EnumerateArray());
    }

    private static async Task<List<JsonElement>> AuditAsync(HttpClient admin, string email)
    {
        var page = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/audit?subject={Uri.EscapeDataString("user:" + email)}&pageSize=100");
        return page.GetProperty("items").EnumerateArray().Reverse().ToList();
    }

    private async Task<HttpResponseMessage> LoginAsync(string email, string password) =>
        await _app.Anonymous().PostAsJsonAsync("/api/v1/auth/login", new { email, password });

    [Fact]
    public async Task An_admin_creates_a_user_with_two_roles_who_signs_in_and_calls_an_operator_route()
    {
        var admin = await _app.SignedInAsync();
        var email = Unique("two-roles");

        var id = await CreateAsync(admin, email, "operator", "REVIEWER");

        var user = await UserAsync(admin, email);
        Assert.Equal(id, user.GetProperty("id").GetString());
        Assert.Equal(["operator", "reviewer"], user.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.False(user.GetProperty("disabled").GetBoolean());
        Assert.False(user.GetProperty("lockedOut").GetBoolean());

        var client = await _app.SignedInAsync(email);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/seed-sources")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/v1/users")).StatusCode);
    }

    [Fact]
    public async Task The_list_is_paged_and_filtered_on_the_server()
    {
        var admin = await _app.SignedInAsync();
        var prefix = "page-" + Guid.NewGuid().ToString("N")[..6];
        for (var i = 0; i < 3; i++)
        {
            await CreateAsync(admin, $"{prefix}-{i}@test.local", i == 1 ? "expert" : "operator");
        }

        var first = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/users?search={prefix}&pageSize=2&page=1");
        var second = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/users?search={prefix}&pageSize=2&page=2");
        var experts = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/users?search={prefix}&role=Expert");

        Assert.Equal(3, first.GetProperty("total").GetInt32());
        Assert.Equal([$"{prefix}-0@test.local", $"{prefix}-1@test.local"], first.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("email").GetString()));
        Assert.Equal([$"{prefix}-2@test.local"], second.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("email").GetString()));
        Assert.Equal([$"{prefix}-1@test.local"], experts.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("email").GetString()));
    }

    [Fact]
    public async Task Unknown_roles_and_weak_passwords_are_refused_with_errors_and_create_nothing()
    {
        var admin = await _app.SignedInAsync();
        var email = Unique("refused");

        var unknown = await admin.PostAsJsonAsync("/api/v1/users", new { email, password = DeepFinanceApp.Password, roles = new[] { "operator", "superuser" } });
        var weak = await admin.PostAsJsonAsync("/api/v1/users", new { email, password = "short", roles = new[] { "operator" } });

        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        var unknownErrors = (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray().ToList();
        Assert.Contains(unknownErrors, e => e.GetProperty("code").GetString() == "UnknownRole" && e.GetProperty("message").GetString()!.Contains("superuser", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.BadRequest, weak.StatusCode);
        var weakErrors = (await weak.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("code").GetString()).ToList();
        Assert.Contains("PasswordTooShort", weakErrors);
        var list = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/users?search={Uri.EscapeDataString(email)}");
        Assert.Equal(0, list.GetProperty("total").GetInt32());
    }

    [Theory]
    [InlineData("Operator")]
    [InlineData("Expert")]
    [InlineData("Reviewer")]
    public async Task A_non_admin_gets_403_on_every_users_and_audit_route(string role)
    {
        var email = Unique("non-admin-" + role.ToLowerInvariant());
        await _app.CreateUserAsync(email, role);
        var target = Assert.IsType<string>((await UserAsync(await _app.SignedInAsync(), email)).GetProperty("id").GetString());
        var client = await _app.SignedInAsync(email);

        var requests = new (HttpMethod Method, string Path, object? Body)[]
        {
            (HttpMethod.Get, "/api/v1/users", null),
            (HttpMethod.Post, "/api/v1/users", new { email = Unique("sneaky"), password = DeepFinanceApp.Password, roles = new[] { "admin" } }),
            (HttpMethod.Put, $"/api/v1/users/{target}/roles", new { roles = new[] { "admin" } }),
            (HttpMethod.Post, $"/api/v1/users/{target}/disable", null),
            (HttpMethod.Post, $"/api/v1/users/{target}/enable", null),
            (HttpMethod.Post, $"/api/v1/users/{target}/password", new { password = NewPassword }),
            (HttpMethod.Get, "/api/v1/audit", null),
            (HttpMethod.Get, "/api/v1/audit.csv", null),
        };
        foreach (var (method, path, body) in requests)
        {
            var response = await client.SendAsync(new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) });
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{role}: {method} {path} gave {(int)response.StatusCode}");
        }
        Assert.Equal([role.ToLowerInvariant()], (await UserAsync(await _app.SignedInAsync(), email)).GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task Disabling_a_user_refuses_sign_in_and_refresh_and_enabling_restores_sign_in()
    {
        var admin = await _app.SignedInAsync();
        var email = Unique("disable");
        var id = await CreateAsync(admin, email, "operator");
        var before = await (await LoginAsync(email, DeepFinanceApp.Password)).Content.ReadFromJsonAsync<JsonElement>();
        var refreshToken = before.GetProperty("refreshToken").GetString();

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/v1/users/{id}/disable", null)).StatusCode);

        var refused = await LoginAsync(email, DeepFinanceApp.Password);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _app.Anonymous().PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken })).StatusCode);
        Assert.True((await UserAsync(admin, email)).GetProperty("disabled").GetBoolean());
        // The cookie sign-in page goes through the same SignInManager check.
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var signIn = scope.ServiceProvider.GetRequiredService<SignInManager<ApplicationUser>>();
            var user = (await signIn.UserManager.FindByEmailAsync(email))!;
            Assert.True((await signIn.CheckPasswordSignInAsync(user, DeepFinanceApp.Password, lockoutOnFailure: false)).IsLockedOut);
        }

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/v1/users/{id}/enable", null)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(email, DeepFinanceApp.Password)).StatusCode);
        Assert.False((await UserAsync(admin, email)).GetProperty("disabled").GetBoolean());
    }

    [Fact]
    public async Task An_admin_sets_a_new_password_the_old_one_stops_working()
    {
        var admin = await _app.SignedInAsync();
        var email = Unique("password");
        var id = await CreateAsync(admin, email, "expert");

        var weak = await admin.PostAsJsonAsync($"/api/v1/users/{id}/password", new { password = "abc" });
        Assert.Equal(HttpStatusCode.BadRequest, weak.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsJsonAsync($"/api/v1/users/{id}/password", new { password = NewPassword })).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginAsync(email, DeepFinanceApp.Password)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(email, NewPassword)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsJsonAsync("/api/v1/users/no-such-user/password", new { password = NewPassword })).StatusCode);
    }

    [Fact]
    public async Task Every_change_writes_the_expected_audit_entry_without_the_password()
    {
        var admin = await _app.SignedInAsync();
        var email = Unique("audited");
        var id = await CreateAsync(admin, email, "operator");
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PutAsJsonAsync($"/api/v1/users/{id}/roles", new { roles = new[] { "Expert", "operator" } })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/v1/users/{id}/disable", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/v1/users/{id}/enable", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsJsonAsync($"/api/v1/users/{id}/password", new { password = NewPassword })).StatusCode);

        var entries = await AuditAsync(admin, email);

        Assert.Equal(["user.created", "user.roles-changed", "user.disabled", "user.enabled", "user.password-reset"],
            entries.Select(e => e.GetProperty("action").GetString()));
        Assert.All(entries, e => Assert.Equal(DeepFinanceApp.AdminEmail, e.GetProperty("actor").GetString()));
        Assert.All(entries, e => Assert.Equal("user:" + email, e.GetProperty("subject").GetString()));
        Assert.Equal(JsonValueKind.Null, entries[0].GetProperty("before").ValueKind);
        Assert.Equal("""{"roles":["Operator"],"disabled":false}""", entries[0].GetProperty("after").GetRawText());
        Assert.Equal("""{"roles":["Operator"],"disabled":false}""", entries[1].GetProperty("before").GetRawText());
        Assert.Equal("""{"roles":["Operator","Expert"],"disabled":false}""", entries[1].GetProperty("after").GetRawText());
        Assert.Equal("""{"roles":["Operator","Expert"],"disabled":true}""", entries[2].GetProperty("after").GetRawText());
        Assert.Equal("""{"roles":["Operator","Expert"],"disabled":true}""", entries[3].GetProperty("before").GetRawText());
        Assert.Equal("""{"roles":["Operator","Expert"],"disabled":false}""", entries[3].GetProperty("after").GetRawText());
        var everything = string.Join("\n", entries.Select(e => e.GetRawText()))
            + await admin.GetStringAsync($"/api/v1/audit.csv?subject={Uri.EscapeDataString("user:" + email)}");
        Assert.DoesNotContain(DeepFinanceApp.Password, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(NewPassword, everything, StringComparison.Ordinal);
        Assert.DoesNotContain("Passw0rd", everything, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_csv_export_has_the_header_and_quotes_fields_with_commas_and_quotes()
    {
        var admin = await _app.SignedInAsync();
        var email = Unique("csv");
        await CreateAsync(admin, email, "operator", "reviewer");

        var response = await admin.GetAsync($"/api/v1/audit.csv?action=user.created&subject={Uri.EscapeDataString(email)}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n");
        Assert.Equal("at,actor,action,subject,before,after", lines[0]);
        Assert.Equal(3, lines.Length);
        Assert.Equal("", lines[2]);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z,", lines[1]);
        Assert.EndsWith($",{DeepFinanceApp.AdminEmail},user.created,user:{email},,\"{{\"\"roles\"\":[\"\"Operator\"\",\"\"Reviewer\"\"],\"\"disabled\"\":false}}\"",
            lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_audit_list_filters_by_actor_action_and_time()
    {
        var admin = await _app.SignedInAsync();
        var email = Unique("filters");
        var id = await CreateAsync(admin, email, "operator");
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/v1/users/{id}/disable", null)).StatusCode);
        var subject = Uri.EscapeDataString(email);

        var disabled = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/audit?subject={subject}&action=user.disabled");
        var byOther = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/audit?subject={subject}&actor=nobody-else");
        var future = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(1).ToString("O"));
        var fromTomorrow = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/audit?subject={subject}&from={future}");
        var untilTomorrow = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/audit?subject={subject}&to={future}");

        Assert.Equal(1, disabled.GetProperty("total").GetInt32());
        Assert.Equal(0, byOther.GetProperty("total").GetInt32());
        Assert.Equal(0, fromTomorrow.GetProperty("total").GetInt32());
        Assert.Equal(2, untilTomorrow.GetProperty("total").GetInt32());
    }

    /// <summary>
    /// No other test here makes an admin, and tests in one class run one after another, so the seeded admin is the only
    /// active one when this starts; it puts things back before it ends.
    /// </summary>
    [Fact]
    public async Task The_last_active_admin_can_be_neither_disabled_nor_demoted()
    {
        var admin = await _app.SignedInAsync();
        var first = (await UserAsync(admin, DeepFinanceApp.AdminEmail)).GetProperty("id").GetString();

        await AssertLastAdminAsync(await admin.PostAsync($"/api/v1/users/{first}/disable", null));
        await AssertLastAdminAsync(await admin.PutAsJsonAsync($"/api/v1/users/{first}/roles", new { roles = new[] { "operator" } }));

        // A second admin who is disabled does not count as active.
        var secondEmail = Unique("second-admin");
        var second = await CreateAsync(admin, secondEmail, "admin");
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/v1/users/{second}/disable", null)).StatusCode);
        await AssertLastAdminAsync(await admin.PostAsync($"/api/v1/users/{first}/disable", null));

        // With another active admin, the first may lose the Admin role; then the second is the last one.
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/v1/users/{second}/enable", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PutAsJsonAsync($"/api/v1/users/{first}/roles", new { roles = new[] { "operator" } })).StatusCode);
        var secondClient = await _app.SignedInAsync(secondEmail);
        var admins = await secondClient.GetFromJsonAsync<JsonElement>("/api/v1/users?role=admin");
        Assert.Equal([secondEmail], admins.GetProperty("items").EnumerateArray()
            .Where(u => !u.GetProperty("disabled").GetBoolean()).Select(u => u.GetProperty("email").GetString()));
        await AssertLastAdminAsync(await secondClient.PostAsync($"/api/v1/users/{second}/disable", null));

        // Put things back: the seeded admin is the only active admin again.
        Assert.Equal(HttpStatusCode.NoContent, (await secondClient.PutAsJsonAsync($"/api/v1/users/{first}/roles", new { roles = new[] { "admin" } })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await (await _app.SignedInAsync()).PostAsync($"/api/v1/users/{second}/disable", null)).StatusCode);
    }

    private static async Task AssertLastAdminAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("LastAdmin", Assert.Single(problem.GetProperty("errors").EnumerateArray()).GetProperty("code").GetString());
        Assert.Contains("last active admin", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
