using System.Net;
using System.Net.Http.Json;
using System.Text;
using DeepFinance.Web.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Web.Tests.Api;

/// <summary>
/// No anonymous way to exhaust or reconfigure the server: every route has a small body limit (only the streaming
/// import takes large files), and the in-app simulator's configuration answers to Admins only.
/// </summary>
public sealed class BodyLimitAndSimulatorConfigTests(Q2aFlowTests.App fixture) : IClassFixture<Q2aFlowTests.App>
{
    private readonly DeepFinanceApp _app = fixture.Host;

    [Theory]
    [InlineData("/api/v1/auth/login", false)]
    [InlineData("/sim/v1/chat/completions", true)]
    public async Task An_anonymous_oversized_body_is_refused_with_413(string path, bool simulatorKey)
    {
        // Wait long for the server's interim answer: by default a client sends the body after 1 s of silence, and on a
        // busy machine the server's 413 then meets a body in flight and the socket breaks (a client-side error).
        using var anonymous = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromSeconds(60) })
        {
            BaseAddress = _app.BaseAddress,
        };
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent("{\"email\":\"" + new string('a', 6 << 20) + "\"}", Encoding.UTF8, "application/json"),
        };
        if (simulatorKey)
        {
            // Without the key the simulator refuses before reading anything (401); with it, the body limit still holds.
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer",
                _app.Services.GetRequiredService<DeepFinance.Web.Hosting.SimulatorKey>().Value);
        }
        // Ask before sending, as a careful client does: the server refuses on the declared length alone.
        request.Headers.ExpectContinue = true;
        var response = await anonymous.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task A_seed_file_larger_than_the_general_limit_still_imports()
    {
        var admin = await _app.SignedInAsync();
        var lines = new StringBuilder();
        for (var i = 0; lines.Length < (5 << 20); i++)
        {
            lines.Append("{\"question\":\"Bond ").Append(i).Append(": what is the annual coupon of a 100 face value bond paying ")
                .Append(i % 9 + 1).Append("% a year? ").Append(new string('.', 200)).Append("\",\"answer\":\"").Append(i % 9 + 1).Append("\"}\n");
        }
        var response = await admin.PostAsync("/api/v1/seed-sources", DeepFinanceApp.Upload("big", "big.jsonl", Encoding.UTF8.GetBytes(lines.ToString())));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task The_simulator_configuration_answers_to_admins_only()
    {
        using var anonymous = _app.Anonymous();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/sim/config")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/sim/config", new { rate500 = 1.0 })).StatusCode);

        var operatorEmail = "sim-op-" + Guid.NewGuid().ToString("N")[..6] + "@test.local";
        await _app.CreateUserAsync(operatorEmail, "operator");
        var op = await _app.SignedInAsync(operatorEmail);
        Assert.Equal(HttpStatusCode.Forbidden, (await op.PostAsJsonAsync("/sim/config", new { oracleFile = "/etc/shadow" })).StatusCode);

        var admin = await _app.SignedInAsync();
        var read = await admin.GetAsync("/sim/config");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        // The chat endpoint itself still answers the synthesizer that points at it.
        Assert.NotEqual(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/sim/v1/models")).StatusCode);
    }
}

/// <summary>Every kind of answer carries the security headers, the API's and the simulator's included.</summary>
public sealed class SecurityHeaderTests(Q2aFlowTests.App fixture) : IClassFixture<Q2aFlowTests.App>
{
    [Theory]
    [InlineData("/Account/Login")]
    [InlineData("/api/v1/runs")]
    [InlineData("/sim/v1/models")]
    [InlineData("/health")]
    [InlineData("/favicon.png")]
    public async Task Every_answer_forbids_remote_images_framing_sniffing_and_referrers(string path)
    {
        using var anonymous = fixture.Host.Anonymous();
        var response = await anonymous.GetAsync(path);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("img-src 'self' data:", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
    }
}

/// <summary>A page far past the end is empty: the page number no longer overflows back to page 1.</summary>
public sealed class PageOverflowTests(Q2aFlowTests.App fixture) : IClassFixture<Q2aFlowTests.App>
{
    [Theory]
    [InlineData("/api/v1/runs?page=2147483647&pageSize=50")]
    [InlineData("/api/v1/audit?page=2147483647&pageSize=50")]
    [InlineData("/api/v1/users?page=2147483647&pageSize=50")]
    public async Task The_last_possible_page_number_gives_an_empty_page(string path)
    {
        var admin = await fixture.Host.SignedInAsync();
        var response = await admin.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.Equal(0, body.GetProperty("items").GetArrayLength());
    }

    [Theory]
    [InlineData("/api/v1/runs?page=0&pageSize=5")]
    [InlineData("/api/v1/runs?page=-3&pageSize=5")]
    [InlineData("/api/v1/releases?page=0&pageSize=5")]
    public async Task A_page_number_below_one_is_answered_and_reported_as_page_one(string path)
    {
        var admin = await fixture.Host.SignedInAsync();
        var response = await admin.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.Equal(1, body.GetProperty("page").GetInt32());
    }
}
