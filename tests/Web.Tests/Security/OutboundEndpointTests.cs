using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using DeepFinance.Core.Data;
using DeepFinance.Web.Tests.Synthesizers;
using DeepFinance.Web.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Web.Tests.Security;

/// <summary>
/// Issue 8, SSRF: "Test connection reports refused, open or HTTP status, plus the target's error text, for any URL
/// an Operator gives". Private and loopback hosts, and hosts outside DeepFinance:Endpoints:AllowedHosts, are refused
/// when saved and before any call, with the host and the setting named; the in-app simulator keeps working.
/// </summary>
[Collection(HostIsolation.Name)]
public sealed class OutboundEndpointTests
{
    private const string OperatorEmail = "ssrf-operator@test.local";

    private static async Task<HttpClient> OperatorAsync(DeepFinanceApp app)
    {
        await app.CreateUserAsync(OperatorEmail, "Operator");
        return await app.SignedInAsync(OperatorEmail);
    }

    private static async Task<JsonElement> BaseUrlErrorAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        return Assert.Single(problem.GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == "baseUrl");
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/v1", "127.0.0.1")]
    [InlineData("http://169.254.169.254/latest", "169.254.169.254")]
    [InlineData("http://10.1.2.3/v1", "10.1.2.3")]
    [InlineData("http://[::1]:9000/v1", "::1")]
    [InlineData("http://localhost:11434/v1", "localhost")]
    public async Task Ssrf_saving_a_synthesizer_that_points_inside_the_network_is_refused_naming_the_field(string baseUrl, string host)
    {
        using var app = new DeepFinanceApp();
        var op = await OperatorAsync(app);

        var response = await op.PostAsJsonAsync("/api/v1/synthesizers", new { name = "inside", baseUrl, model = "m" });

        var message = (await BaseUrlErrorAsync(response)).GetProperty("message").GetString()!;
        Assert.Contains(host, message, StringComparison.Ordinal);
        Assert.Contains("DeepFinance:Endpoints:AllowPrivateNetworks", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ssrf_test_connection_to_a_private_host_answers_the_same_for_an_open_and_a_closed_port_and_connects_to_neither()
    {
        using var app = new DeepFinanceApp();
        var open = new TcpListener(IPAddress.Loopback, 0);
        open.Start();
        var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var closedPort = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        try
        {
            // Rows saved before the allow-list existed (the API now refuses them).
            await using (var db = await app.Services.GetRequiredService<IDbContextFactory<DeepFinanceDbContext>>().CreateDbContextAsync())
            {
                db.Synthesizers.Add(new Synthesizer { Name = "inside-open", BaseUrl = $"http://127.0.0.1:{((IPEndPoint)open.LocalEndpoint).Port}/v1", Model = "m", Source = "ui", External = false });
                db.Synthesizers.Add(new Synthesizer { Name = "inside-closed", BaseUrl = $"http://127.0.0.1:{closedPort}/v1", Model = "m", Source = "ui", External = false });
                await db.SaveChangesAsync();
            }
            var op = await OperatorAsync(app);

            var toOpen = await (await op.PostAsync("/api/v1/synthesizers/inside-open/test", null)).Content.ReadFromJsonAsync<JsonElement>();
            var toClosed = await (await op.PostAsync("/api/v1/synthesizers/inside-closed/test", null)).Content.ReadFromJsonAsync<JsonElement>();

            Assert.False(toOpen.GetProperty("ok").GetBoolean());
            Assert.False(toClosed.GetProperty("ok").GetBoolean());
            var said = toOpen.GetProperty("error").GetString()!;
            Assert.Equal(said, toClosed.GetProperty("error").GetString());
            Assert.Contains("127.0.0.1", said, StringComparison.Ordinal);
            Assert.Contains("DeepFinance:Endpoints:AllowPrivateNetworks", said, StringComparison.Ordinal);
            Assert.DoesNotContain("connect", said, StringComparison.OrdinalIgnoreCase);
            Assert.Equal(0, toOpen.GetProperty("latencyMs").GetInt32());
            Assert.False(open.Pending(), "nothing may connect to the private host");
        }
        finally
        {
            open.Stop();
        }
    }

    [Fact]
    public async Task Ssrf_a_host_outside_the_allowed_hosts_is_refused_and_a_wildcard_entry_admits_its_subdomains()
    {
        using var app = new DeepFinanceApp(new Dictionary<string, string?>
        {
            ["DeepFinance:Endpoints:AllowedHosts:0"] = "*.openai.azure.com",
            ["DeepFinance:Endpoints:AllowedHosts:1"] = "api.vendor.example",
        });
        var op = await OperatorAsync(app);

        var refused = await op.PostAsJsonAsync("/api/v1/synthesizers", new { name = "elsewhere", baseUrl = "https://collector.attacker.example/v1", model = "m" });
        var message = (await BaseUrlErrorAsync(refused)).GetProperty("message").GetString()!;
        Assert.Contains("collector.attacker.example", message, StringComparison.Ordinal);
        Assert.Contains("DeepFinance:Endpoints:AllowedHosts", message, StringComparison.Ordinal);

        var azure = await op.PostAsJsonAsync("/api/v1/synthesizers", new { name = "azure", baseUrl = "https://bank-east.openai.azure.com/openai/v1", model = "m" });
        Assert.Equal(HttpStatusCode.Created, azure.StatusCode);
        var named = await op.PostAsJsonAsync("/api/v1/synthesizers", new { name = "vendor", baseUrl = "https://api.vendor.example/v1", model = "m" });
        Assert.Equal(HttpStatusCode.Created, named.StatusCode);

        // Moving an allowed synthesizer away is refused too, naming the field.
        var moved = await op.PutAsJsonAsync("/api/v1/synthesizers/vendor", new { baseUrl = "https://openai.azure.com.attacker.example/v1", model = "m" });
        await BaseUrlErrorAsync(moved);

        // The built-in simulator (this server, self:/sim) is always reachable.
        var simulator = await (await op.PostAsync("/api/v1/synthesizers/simulator/test", null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(simulator.GetProperty("ok").GetBoolean(), simulator.ToString());
    }

    [Fact]
    public async Task Ssrf_private_hosts_are_reachable_when_an_admin_allows_private_networks()
    {
        using var app = new DeepFinanceApp(new Dictionary<string, string?> { ["DeepFinance:Endpoints:AllowPrivateNetworks"] = "true" });
        var op = await OperatorAsync(app);

        var saved = await op.PostAsJsonAsync("/api/v1/synthesizers", new { name = "gpu-box", baseUrl = "http://10.1.2.3:8000/v1", model = "m", external = false });

        Assert.Equal(HttpStatusCode.Created, saved.StatusCode);
    }
}
