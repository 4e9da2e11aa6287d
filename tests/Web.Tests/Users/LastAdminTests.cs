using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DeepFinance.Web.Tests.TestSupport;

namespace DeepFinance.Web.Tests.Users;

/// <summary>Its own app: the count of active admins must be exactly what this test makes it.</summary>
public sealed class LastAdminTests : IDisposable
{
    private readonly DeepFinanceApp _app = new();

    public void Dispose() => _app.Dispose();

    private static async Task<string> IdOfAsync(HttpClient admin, string email) =>
        Assert.Single((await admin.GetFromJsonAsync<JsonElement>($"/api/v1/users?search={Uri.EscapeDataString(email)}"))
            .GetProperty("items").EnumerateArray()).GetProperty("id").GetString()!;

    private static async Task AssertLastAdminAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("LastAdmin", Assert.Single(problem.GetProperty("errors").EnumerateArray()).GetProperty("code").GetString());
        Assert.Contains("last active admin", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_last_active_admin_can_be_neither_disabled_nor_demoted()
    {
        var admin = await _app.SignedInAsync();
        var first = await IdOfAsync(admin, DeepFinanceApp.AdminEmail);

        await AssertLastAdminAsync(await admin.PostAsync($"/api/v1/users/{first}/disable", null));
        await AssertLastAdminAsync(await admin.PutAsJsonAsync($"/api/v1/users/{first}/roles", new { roles = new[] { "operator" } }));

        // A second admin who is disabled does not count as active.
        var created = await admin.PostAsJsonAsync("/api/v1/users", new { email = "second-admin@test.local", password = DeepFinanceApp.Password, roles = new[] { "admin" } });
        var second = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/v1/users/{second}/disable", null)).StatusCode);
        await AssertLastAdminAsync(await admin.PostAsync($"/api/v1/users/{first}/disable", null));

        // With another active admin, the first may lose the Admin role.
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/v1/users/{second}/enable", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PutAsJsonAsync($"/api/v1/users/{first}/roles", new { roles = new[] { "operator" } })).StatusCode);
        var list = await (await _app.SignedInAsync("second-admin@test.local")).GetFromJsonAsync<JsonElement>("/api/v1/users?role=admin");
        Assert.Equal(["second-admin@test.local"], list.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("email").GetString()));
    }
}
