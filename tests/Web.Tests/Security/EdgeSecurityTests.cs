using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using DeepFinance.Web.Tests.Api;
using DeepFinance.Web.Tests.TestSupport;
using Microsoft.Data.Sqlite;

namespace DeepFinance.Web.Tests.Security;

/// <summary>Finding "some 400s have an empty body; API 500s are HTML": every API error is ProblemDetails JSON.</summary>
public sealed class ApiErrorBodyTests(Q2aFlowTests.App fixture) : IClassFixture<Q2aFlowTests.App>
{
    private readonly DeepFinanceApp _app = fixture.Host;

    [Theory]
    [InlineData("/api/v1/runs/1/traces?descending=yes", "descending")]
    [InlineData("/api/v1/audit?from=notadate", "from")]
    [InlineData("/api/v1/runs?page=first", "page")]
    public async Task A_parameter_that_does_not_bind_gets_a_problem_body_naming_it(string path, string parameter)
    {
        var admin = await _app.SignedInAsync();
        var response = await admin.GetAsync(path);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(400, body.GetProperty("status").GetInt32());
        Assert.Equal(parameter, body.GetProperty("errors")[0].GetProperty("field").GetString());
        Assert.Contains(parameter, body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bare_api_errors_401_403_404_405_and_413_have_problem_bodies()
    {
        using var anonymous = _app.Anonymous();
        await AssertProblemAsync(await anonymous.GetAsync("/api/v1/runs"), HttpStatusCode.Unauthorized);

        var email = "edge-op-" + Guid.NewGuid().ToString("N")[..6] + "@test.local";
        await _app.CreateUserAsync(email, "operator");
        var op = await _app.SignedInAsync(email);
        await AssertProblemAsync(await op.GetAsync("/api/v1/audit"), HttpStatusCode.Forbidden);

        var admin = await _app.SignedInAsync();
        await AssertProblemAsync(await admin.GetAsync("/api/v1/no-such-route"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await admin.DeleteAsync("/api/v1/runs"), HttpStatusCode.MethodNotAllowed);

        var tooLarge = new HttpRequestMessage(HttpMethod.Post, "/api/v1/auth/login")
        {
            Content = new StringContent("{\"email\":\"" + new string('a', 2 << 20) + "\"}", Encoding.UTF8, "application/json"),
        };
        tooLarge.Headers.ExpectContinue = true;
        await AssertProblemAsync(await anonymous.SendAsync(tooLarge), HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task An_api_500_is_problem_json_not_html_and_tells_nothing_of_its_cause()
    {
        using var app = new DeepFinanceApp();
        var admin = await app.SignedInAsync();
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/v1/runs")).StatusCode);

        // A real fault under the running app: the runs table disappears.
        await using (var db = new SqliteConnection($"Data Source={Path.Combine(app.DataDirectory, "deepfinance.db")}"))
        {
            await db.OpenAsync();
            await using var rename = db.CreateCommand();
            rename.CommandText = "ALTER TABLE Runs RENAME TO Runs_gone";
            await rename.ExecuteNonQueryAsync();
        }

        var response = await admin.GetAsync("/api/v1/runs");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("Runs", text, StringComparison.Ordinal);
        Assert.DoesNotContain("<html", text, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(500, JsonDocument.Parse(text).RootElement.GetProperty("status").GetInt32());
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)status, body.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("title").GetString()));
    }
}

/// <summary>Findings "field lengths have no limit" and "every route accepts a 1 GB body", at the web entry points.</summary>
public sealed class InputLimitTests(Q2aFlowTests.App fixture) : IClassFixture<Q2aFlowTests.App>
{
    private readonly DeepFinanceApp _app = fixture.Host;

    [Fact]
    public async Task A_200_MB_seed_source_name_is_refused_with_the_field_named_and_the_list_still_answers()
    {
        var admin = await _app.SignedInAsync();
        using var form = new MultipartFormDataContent
        {
            { new StreamContent(new GeneratedStream(200L << 20, (byte)'n')), "name" },
            { new ByteArrayContent("{\"question\":\"What is 2+2?\",\"answer\":\"4\"}\n"u8.ToArray()), "file", "small.jsonl" },
        };
        var response = await admin.PostAsync("/api/v1/seed-sources", form);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("name", body.GetProperty("errors")[0].GetProperty("field").GetString());
        Assert.Contains("200 characters", body.GetProperty("errors")[0].GetProperty("message").GetString(), StringComparison.Ordinal);

        var list = await admin.GetAsync("/api/v1/seed-sources");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.DoesNotContain("nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn",
            await list.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_import_with_a_line_over_the_limit_is_refused_naming_the_line()
    {
        var admin = await _app.SignedInAsync();
        var head = Encoding.UTF8.GetBytes("{\"question\":\"What is 1+1?\",\"answer\":\"2\"}\n{\"question\":\"");
        using var form = new MultipartFormDataContent
        {
            { new StringContent("long-line"), "name" },
            { new StreamContent(new GeneratedStream(3L << 20, (byte)'q', head, "\",\"answer\":\"1\"}\n"u8.ToArray())), "file", "long.jsonl" },
        };
        var response = await admin.PostAsync("/api/v1/seed-sources", form);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors")[0];
        Assert.Equal(2, error.GetProperty("line").GetInt32());
        Assert.Matches(new Regex(@"^the line is 3,145,7\d\d bytes, over the 1,048,576-byte limit"), error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task The_default_body_limit_is_about_one_megabyte()
    {
        using var anonymous = _app.Anonymous();
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/auth/login")
        {
            Content = new StringContent("{\"email\":\"" + new string('a', 1100 * 1024) + "\"}", Encoding.UTF8, "application/json"),
        };
        request.Headers.ExpectContinue = true;
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await anonymous.SendAsync(request)).StatusCode);
    }
}

/// <summary>Finding "/sim/config is writable anonymously …": the in-app simulator is a demo, not an open door.</summary>
public sealed class DemoSimulatorTests(Q2aFlowTests.App fixture) : IClassFixture<Q2aFlowTests.App>
{
    private readonly DeepFinanceApp _app = fixture.Host;

    private static StringContent Chat() => new(
        """{"model":"simulator","messages":[{"role":"user","content":"What is 2+2?"}]}""", Encoding.UTF8, "application/json");

    [Fact]
    public async Task The_simulator_chat_endpoint_refuses_callers_without_its_key_while_the_built_in_synthesizer_still_works()
    {
        using var anonymous = _app.Anonymous();
        var none = await anonymous.PostAsync("/sim/v1/chat/completions", Chat());
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("invalid_api_key", (await none.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString());

        var wrong = new HttpRequestMessage(HttpMethod.Post, "/sim/v1/chat/completions") { Content = Chat() };
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "sim-guess");
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(wrong)).StatusCode);

        // A signed-in user's bearer token is not the simulator key either.
        var admin = await _app.SignedInAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, (await admin.PostAsync("/sim/v1/chat/completions", Chat())).StatusCode);

        // The built-in synthesizer sends the key, generated for this install and kept owner-only.
        var test = await (await admin.PostAsync("/api/v1/synthesizers/simulator/test", null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(test.GetProperty("ok").GetBoolean(), test.ToString());
        var keyFile = Path.Combine(_app.DataDirectory, "simulator-key");
        Assert.True(File.Exists(keyFile));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        }
        Assert.DoesNotContain("sim-", await File.ReadAllTextAsync(keyFile), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("oracleFile")]
    [InlineData("scriptFile")]
    [InlineData("OracleFile")]
    public async Task The_simulator_reads_no_file_path_given_over_http(string setting)
    {
        var admin = await _app.SignedInAsync();
        var before = await admin.GetFromJsonAsync<JsonElement>("/sim/config");
        var response = await admin.PostAsync("/sim/config",
            new StringContent($"{{\"{setting}\":\"/etc/hostname\"}}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("configuration only", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var after = await admin.GetFromJsonAsync<JsonElement>("/sim/config");
        Assert.Equal(before.GetProperty("oracleFile").ToString(), after.GetProperty("oracleFile").ToString());
        Assert.Equal(before.GetProperty("scriptFile").ToString(), after.GetProperty("scriptFile").ToString());
        // The key is never shown.
        Assert.False(after.TryGetProperty("apiKey", out _));
    }

    [Fact]
    public async Task Resetting_the_simulator_counters_is_for_admins_only()
    {
        using var anonymous = _app.Anonymous();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/sim/stats/reset", null)).StatusCode);
    }

    [Fact]
    public async Task Production_configuration_turns_the_simulator_off()
    {
        using var app = new DeepFinanceApp(new Dictionary<string, string?> { ["DeepFinance:Simulator:Enabled"] = "false" });
        using var anonymous = app.Anonymous();
        // No such route any more: a POST meets only the pages' catch-all (405), a GET the not-found page.
        Assert.Contains((await anonymous.PostAsync("/sim/v1/chat/completions", Chat())).StatusCode, new[] { HttpStatusCode.NotFound, HttpStatusCode.MethodNotAllowed });
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync("/sim/v1/models")).StatusCode);
        var admin = await app.SignedInAsync();
        var synthesizers = await admin.GetFromJsonAsync<JsonElement>("/api/v1/synthesizers");
        Assert.DoesNotContain(synthesizers.EnumerateArray(), s => s.GetProperty("name").GetString() == "simulator");
    }
}

/// <summary>Finding "no CSP script-src … the API and /sim send no headers at all": a strict policy on every answer.</summary>
public sealed class StrictCspTests(Q2aFlowTests.App fixture) : IClassFixture<Q2aFlowTests.App>
{
    private readonly DeepFinanceApp _app = fixture.Host;

    [Fact]
    public async Task Pages_allow_scripts_only_from_this_server_and_the_import_map_by_its_nonce()
    {
        using var anonymous = _app.Anonymous();
        var page = await anonymous.GetAsync("/Account/Login");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var csp = Assert.Single(page.Headers.GetValues("Content-Security-Policy"));
        var scriptSrc = Regex.Match(csp, "script-src ([^;]*)").Groups[1].Value;
        var nonce = Regex.Match(scriptSrc, "^'self' 'nonce-([A-Za-z0-9+/=]{16,})'$").Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(nonce), "script-src is not 'self' plus one nonce: " + scriptSrc);
        Assert.Contains("img-src 'self' data:", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains($"<script type=\"importmap\" nonce=\"{nonce}\">", html, StringComparison.Ordinal);

        // A nonce is good for one answer only.
        var again = Assert.Single((await anonymous.GetAsync("/Account/Login")).Headers.GetValues("Content-Security-Policy"));
        Assert.DoesNotContain(nonce, again, StringComparison.Ordinal);

        // Plain HTTP on loopback is neither redirected nor told to use TLS.
        Assert.False(page.Headers.Contains("Strict-Transport-Security"));
    }

    [Theory]
    [InlineData("POST", "/sim/v1/chat/completions")]
    [InlineData("GET", "/api/v1/runs")]
    [InlineData("GET", "/api/v1/no-such-route")]
    public async Task Api_and_simulator_errors_carry_the_headers_too(string method, string path)
    {
        using var anonymous = _app.Anonymous();
        var response = await anonymous.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "POST" ? new StringContent("{}") : null });
        Assert.True((int)response.StatusCode >= 400);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.Contains("script-src 'self'", Assert.Single(response.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
    }
}
