using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DeepFinance.Web.Tests.TestSupport;
using Xunit.Abstractions;

namespace DeepFinance.Web.Tests.Faults;

/// <summary>
/// Finding "anonymous memory exhaustion" (a 600 MB anonymous login took the process from 1.7 GB to 4.4 GB): the built
/// app runs as its own process under a 2 GB GC heap limit, an anonymous client sends ten 600 MB bodies to the sign-in
/// API, the simulator's chat endpoint and the import route — generated on the fly, never held by the test — and a
/// signed-in import of one 600 MB line is refused by line. The app is still there afterwards, answering the sign-in page.
/// </summary>
// Process tests share one collection: ten 600 MB bodies must not starve the kill-and-restart test of CPU.
[Collection(nameof(KillRestartTests))]
public sealed class AnonymousMemoryExhaustionTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const long Body = 600L * 1000 * 1000;
    private const string Email = "admin@memory.local";
    private const string Password = "Memory-Passw0rd!";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "df-memory-" + Guid.NewGuid().ToString("N")[..8]);
    private ProductProcess? _app;

    public async Task InitializeAsync()
    {
        _app = await ProductProcess.StartAsync("Web", "DeepFinance.Web.dll", new Dictionary<string, string>
        {
            ["DOTNET_GCHeapHardLimit"] = "0x80000000",
            ["DeepFinance__DataDirectory"] = Path.Combine(_root, "data"),
            ["DeepFinance__Admin__Email"] = Email,
            ["DeepFinance__Admin__Password"] = Password,
        });
        await _app.WaitUntilAnsweringAsync("health", TimeSpan.FromMinutes(3));
    }

    [Fact]
    public async Task Ten_anonymous_600_MB_bodies_leave_the_app_under_a_2_GB_limit_answering_the_sign_in_page()
    {
        using var overall = new CancellationTokenSource(TimeSpan.FromMinutes(15));
        using var http = new HttpClient { BaseAddress = _app!.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
        var targets = new (string Path, string ContentType, bool DeclareLength)[]
        {
            ("api/v1/auth/login", "application/json", true),
            ("api/v1/auth/login", "application/json", false),
            ("sim/v1/chat/completions", "application/json", true),
            ("sim/v1/chat/completions", "application/json", false),
            ("api/v1/seed-sources", "multipart/form-data; boundary=x", true),
            ("api/v1/seed-sources", "multipart/form-data; boundary=x", false),
            ("api/v1/auth/refresh", "application/json", false),
            ("Account/Login", "application/x-www-form-urlencoded", false),
            ("api/v1/auth/login", "application/json", false),
            ("sim/v1/chat/completions", "application/json", false),
        };
        foreach (var (path, contentType, declare) in targets)
        {
            var content = new StreamContent(new GeneratedStream(Body, (byte)'a', "{\"email\":\""u8.ToArray()), 64 * 1024);
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            if (declare)
            {
                content.Headers.ContentLength = Body + 10;
            }
            var outcome = await SendAsync(http, new HttpRequestMessage(HttpMethod.Post, path) { Content = content }, overall.Token);
            output.WriteLine($"{path} ({(declare ? "declared length" : "chunked")}): {outcome}");
            Assert.DoesNotContain("500", outcome, StringComparison.Ordinal);
            Assert.DoesNotContain("200", outcome, StringComparison.Ordinal);
        }

        // Signed in, the import route takes large files, but reads one line only up to its limit.
        using var login = await http.PostAsJsonAsync("api/v1/auth/login", new { email = Email, password = Password }, overall.Token);
        login.EnsureSuccessStatusCode();
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>(overall.Token)).GetProperty("accessToken").GetString();
        using var form = new MultipartFormDataContent
        {
            { new StringContent("one-line"), "name" },
            { new StreamContent(new GeneratedStream(Body, (byte)'q', "{\"question\":\""u8.ToArray()), 64 * 1024), "file", "huge.jsonl" },
        };
        using var import = new HttpRequestMessage(HttpMethod.Post, "api/v1/seed-sources") { Content = form };
        import.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var refused = await http.SendAsync(import, overall.Token);
        var body = await refused.Content.ReadAsStringAsync(overall.Token);
        Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, body);
        Assert.Contains("the line is 600,000,013 bytes, over the 1,048,576-byte limit", body, StringComparison.Ordinal);

        using var signIn = await http.GetAsync("Account/Login", overall.Token);
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        Assert.Contains("Input.Password", await signIn.Content.ReadAsStringAsync(overall.Token), StringComparison.Ordinal);
    }

    /// <summary>The status, or how the server ended the exchange when it refused before reading the body.</summary>
    private static async Task<string> SendAsync(HttpClient http, HttpRequestMessage request, CancellationToken ct)
    {
        try
        {
            using var response = await http.SendAsync(request, ct);
            return ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture) + " " + response.StatusCode;
        }
        catch (HttpRequestException e)
        {
            return "connection closed by the server (" + e.GetBaseException().GetType().Name + ")";
        }
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            output.WriteLine(_app.ConsoleTail(20));
            await _app.DisposeAsync();
        }
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
