using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DeepFinance.Web.Tests.Api;
using DeepFinance.Web.Tests.TestSupport;

namespace DeepFinance.Web.Tests.Synthesizers;

/// <summary>
/// A key goes only to the origin an Admin set it for. An Operator may edit a synthesizer, base URL included,
/// but moving it to another origin drops the key, so pressing "Test connection" or launching a run can no
/// longer deliver the key to a server the Operator controls.
/// </summary>
public sealed class KeyOriginTests(Q2aFlowTests.App fixture) : IClassFixture<Q2aFlowTests.App>
{
    private readonly DeepFinanceApp _app = fixture.Host;

    private static object Edit(string baseUrl) => new { baseUrl, model = "vendor-model", external = true };

    [Fact]
    public async Task An_operator_moving_a_synthesizer_to_another_origin_drops_its_key_and_an_admin_keeps_it()
    {
        var admin = await _app.SignedInAsync();
        var name = "vendor-" + Guid.NewGuid().ToString("N")[..6];
        var created = await admin.PostAsJsonAsync("/api/v1/synthesizers", new { name, baseUrl = "https://api.vendor.example/v1", model = "vendor-model", external = true });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.True((await admin.PutAsJsonAsync($"/api/v1/synthesizers/{name}/key", new { apiKey = "sk-vendor-secret-1234" })).IsSuccessStatusCode);

        var operatorEmail = "origin-op-" + Guid.NewGuid().ToString("N")[..6] + "@test.local";
        await _app.CreateUserAsync(operatorEmail, "operator");
        var op = await _app.SignedInAsync(operatorEmail);

        // Same origin, another path: the key stays.
        var samePlace = await op.PutAsJsonAsync($"/api/v1/synthesizers/{name}", Edit("https://api.vendor.example/v2"));
        Assert.Equal(HttpStatusCode.OK, samePlace.StatusCode);
        Assert.Equal("…1234", (await samePlace.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("keyLast4").GetString());

        // Another host: the key is gone, and the audit log says why.
        var moved = await op.PutAsJsonAsync($"/api/v1/synthesizers/{name}", Edit("https://collector.attacker.example/v1"));
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        Assert.Equal(JsonValueKind.Null, (await moved.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("keyLast4").ValueKind);
        var audit = await admin.GetFromJsonAsync<JsonElement>("/api/v1/audit?action=synthesizer.key-cleared");
        Assert.Contains(audit.GetProperty("items").EnumerateArray(), e => e.GetProperty("subject").GetString()!.EndsWith(name, StringComparison.Ordinal)
            && e.GetProperty("actor").GetString() == operatorEmail);

        // Another port is another origin too; an Admin may move it and the key goes along.
        Assert.True((await admin.PutAsJsonAsync($"/api/v1/synthesizers/{name}/key", new { apiKey = "sk-vendor-secret-5678" })).IsSuccessStatusCode);
        var port = await op.PutAsJsonAsync($"/api/v1/synthesizers/{name}", Edit("https://collector.attacker.example:8443/v1"));
        Assert.Equal(JsonValueKind.Null, (await port.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("keyLast4").ValueKind);
        Assert.True((await admin.PutAsJsonAsync($"/api/v1/synthesizers/{name}/key", new { apiKey = "sk-vendor-secret-9012" })).IsSuccessStatusCode);
        var byAdmin = await admin.PutAsJsonAsync($"/api/v1/synthesizers/{name}", Edit("https://eu.vendor.example/v1"));
        Assert.Equal("…9012", (await byAdmin.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("keyLast4").GetString());
    }
}
