using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DeepFinance.Core.Audit;
using DeepFinance.Core.Llm;
using DeepFinance.Web.Tests.TestSupport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DeepFinance.Web.Tests.Synthesizers;

/// <summary>Records every log message the host writes, at every level the host lets through.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<string> Messages { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var structured = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(";", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            owner.Messages.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {structured} {exception}");
        }
    }
}

/// <summary>Keeps the body of every response the test client receives, to search them all for the key.</summary>
public sealed class RecordingHandler() : DelegatingHandler(new HttpClientHandler())
{
    public ConcurrentQueue<string> Bodies { get; } = new();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        Bodies.Enqueue($"{request.Method} {request.RequestUri} → {(int)response.StatusCode}\n"
            + string.Join("\n", response.Headers.Concat(response.Content.Headers).Select(h => $"{h.Key}: {string.Join(",", h.Value)}"))
            + "\n" + await response.Content.ReadAsStringAsync(cancellationToken));
        return response;
    }
}

/// <summary>
/// These classes start and dispose whole hosts; they run alone, after the parallel ones, so a disposed
/// host never pulls the ground from under another one.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HostIsolation
{
    public const string Name = "Hosts started and stopped in sequence";
}

/// <summary>
/// Issue 3's key promise end to end: an Admin sets a key through the API, a run on that synthesizer
/// completes, the key is nowhere in HTML, API responses, logs or the audit log, and a restart on the
/// same data directory still decrypts it.
/// </summary>
[Collection(HostIsolation.Name)]
public sealed class SynthesizerKeyTests
{
    private const string Key = "sk-live-TOPSECRET-7f3a9c2e51d4b8aa-wxyz";
    private const string OperatorEmail = "keys-operator@test.local";

    private static readonly string Seeds = string.Join('\n',
        """{"id":"k1","question":"某债券面值100元，票面利率6%，每年付息，年利息多少元？","answer":"6","task_type":"Math"}""",
        """{"id":"k2","question":"A share bought at $40 is sold at $50. What is the percentage gain?","answer":"25%","task_type":"Math"}""");

    private static async Task<HttpClient> ClientAsync(DeepFinanceApp app, RecordingHandler handler, string email)
    {
        var client = new HttpClient(handler, disposeHandler: false) { BaseAddress = app.BaseAddress };
        var response = await client.PostAsJsonAsync("/api/v1/auth/login", new { email, password = DeepFinanceApp.Password });
        response.EnsureSuccessStatusCode();
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static DeepFinanceApp Start(string directory, CapturingLoggerProvider logs) => new(
        (new Dictionary<string, string?>
        {
            ["DeepFinance:DataDirectory"] = directory,
            ["Logging:LogLevel:Default"] = "Debug",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Debug",
        }),
        b => b.ConfigureLogging(l => l.AddProvider(logs)));

    [Fact]
    public async Task A_key_set_by_an_admin_is_usable_never_shown_and_survives_a_restart()
    {
        var directory = Path.Combine(Path.GetTempPath(), "df-keys-" + Guid.NewGuid().ToString("N")[..8]);
        var logs = new CapturingLoggerProvider();
        using var handler = new RecordingHandler();
        try
        {
            using (var app = Start(directory, logs))
            {
                await app.CreateUserAsync(OperatorEmail, "Operator");
                var admin = await ClientAsync(app, handler, DeepFinanceApp.AdminEmail);
                var op = await ClientAsync(app, handler, OperatorEmail);

                // An operator adds a synthesizer on this server's simulator; operators may not set keys.
                var created = await op.PostAsJsonAsync("/api/v1/synthesizers", new
                {
                    name = "keyed", baseUrl = "self:/sim/v1", model = "simulator", external = false,
                    inputPricePerMillion = 1m, outputPricePerMillion = 2m, maxConcurrency = 4,
                });
                Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
                Assert.Equal(HttpStatusCode.Forbidden, (await op.PutAsJsonAsync("/api/v1/synthesizers/keyed/key", new { apiKey = Key })).StatusCode);

                var set = await admin.PutAsJsonAsync("/api/v1/synthesizers/keyed/key", new { apiKey = Key });
                Assert.Equal(HttpStatusCode.NoContent, set.StatusCode);

                // Only the last four are shown.
                var list = await op.GetFromJsonAsync<JsonElement>("/api/v1/synthesizers");
                var row = list.EnumerateArray().Single(s => s.GetProperty("name").GetString() == "keyed");
                Assert.Equal("…wxyz", row.GetProperty("keyLast4").GetString());
                Assert.True(row.GetProperty("simulated").GetBoolean());

                // The decrypted key is what a call uses.
                var profile = await app.Services.GetRequiredService<SynthesizerCatalog>().FindAsync("keyed");
                Assert.Equal(Key, profile!.ApiKey);

                // A run on it completes.
                var import = await op.PostAsync("/api/v1/seed-sources", DeepFinanceApp.Upload("keys", "keys.jsonl", Encoding.UTF8.GetBytes(Seeds)));
                Assert.Equal(HttpStatusCode.Created, import.StatusCode);
                var sourceId = (await import.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
                var launched = await op.PostAsJsonAsync("/api/v1/runs", new { kind = "q2a", seedSourceId = sourceId, synthesizer = "keyed", samplesPerQuestion = 1 });
                Assert.Equal(HttpStatusCode.Created, launched.StatusCode);
                var run = await DeepFinanceApp.WaitForRunAsync(op, (await launched.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64());
                Assert.Equal("completed", run.GetProperty("status").GetString());
                Assert.Equal(2, run.GetProperty("done").GetInt32());

                // Test connection works with the stored key.
                var test = await (await op.PostAsync("/api/v1/synthesizers/keyed/test", null)).Content.ReadFromJsonAsync<JsonElement>();
                Assert.True(test.GetProperty("ok").GetBoolean(), test.ToString());
                Assert.Equal("reasoning_content", test.GetProperty("reasoningFormat").GetString());

                // A price change is a new version; the run keeps the price it launched with.
                var edit = await op.PutAsJsonAsync("/api/v1/synthesizers/keyed", new
                {
                    baseUrl = "self:/sim/v1", model = "simulator", external = false, inputPricePerMillion = 3m, outputPricePerMillion = 5m, maxConcurrency = 4,
                });
                Assert.Equal(HttpStatusCode.OK, edit.StatusCode);
                var prices = await op.GetFromJsonAsync<JsonElement>("/api/v1/synthesizers/keyed/prices");
                Assert.Equal(2, prices.GetArrayLength());
                Assert.Equal(3m, prices[0].GetProperty("inputPricePerMillion").GetDecimal());
                Assert.Equal(1m, prices[1].GetProperty("inputPricePerMillion").GetDecimal());
                var sameRun = await op.GetFromJsonAsync<JsonElement>($"/api/v1/runs/{run.GetProperty("id").GetInt64()}");
                Assert.Equal(run.GetProperty("cost").GetDecimal(), sameRun.GetProperty("cost").GetDecimal());

                // The page an admin sees shows …wxyz and not the key.
                var page = await admin.GetAsync("/operate/synthesizers");
                var html = await page.Content.ReadAsStringAsync();
                Assert.Equal(HttpStatusCode.OK, page.StatusCode);
                Assert.Contains("keyed", html, StringComparison.Ordinal);
                Assert.Contains("…wxyz", html, StringComparison.Ordinal);
                Assert.Contains("data-testid=\"synth-set-key\"", html, StringComparison.Ordinal);
                Assert.DoesNotContain(Key, html, StringComparison.Ordinal);
                var operatorHtml = await (await op.GetAsync("/operate/synthesizers")).Content.ReadAsStringAsync();
                Assert.DoesNotContain("data-testid=\"synth-set-key\"", operatorHtml, StringComparison.Ordinal);

                // The audit log records the key change by its last four only.
                var (_, entries) = await app.Services.GetRequiredService<AuditLog>().QueryAsync(new AuditFilter(Action: "synthesizer."));
                var keySet = Assert.Single(entries, e => e.Action == "synthesizer.key-set");
                Assert.Equal(DeepFinanceApp.AdminEmail, keySet.Actor);
                Assert.Contains("last four: wxyz", keySet.After, StringComparison.Ordinal);
                Assert.Contains(entries, e => e.Action == "synthesizer.created" && e.Actor == OperatorEmail);
                Assert.Contains(entries, e => e.Action == "synthesizer.updated" && e.Before!.Contains("\"InputPricePerMillion\":1", StringComparison.Ordinal));
                Assert.All(entries, e => Assert.DoesNotContain(Key, (e.Before ?? "") + (e.After ?? ""), StringComparison.Ordinal));
            }

            // Restart on the same data directory: the key ring is there, the key still decrypts.
            using (var again = Start(directory, logs))
            {
                var profile = await again.Services.GetRequiredService<SynthesizerCatalog>().FindAsync("keyed");
                Assert.Equal(Key, profile!.ApiKey);
                var op = await ClientAsync(again, handler, OperatorEmail);
                var test = await (await op.PostAsync("/api/v1/synthesizers/keyed/test", null)).Content.ReadFromJsonAsync<JsonElement>();
                Assert.True(test.GetProperty("ok").GetBoolean(), test.ToString());
            }

            Assert.NotEmpty(logs.Messages);
            Assert.True(handler.Bodies.Count > 10);
            Assert.All(handler.Bodies, b => Assert.DoesNotContain(Key, b, StringComparison.Ordinal));
            Assert.All(logs.Messages, m => Assert.DoesNotContain(Key, m, StringComparison.Ordinal));
            Assert.DoesNotContain(Key[..20], string.Concat(logs.Messages), StringComparison.Ordinal);
        }
        finally
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}

/// <summary>Operators' edits are validated with the field named; configuration rows are read-only.</summary>
[Collection(HostIsolation.Name)]
public sealed class SynthesizerEditTests : IClassFixture<SynthesizerEditTests.App>
{
    public sealed class App : IDisposable
    {
        public DeepFinanceApp Host { get; } = new();

        public void Dispose() => Host.Dispose();
    }

    private readonly DeepFinanceApp _app;

    public SynthesizerEditTests(App fixture) => _app = fixture.Host;

    [Theory]
    [InlineData("ftp://example.com/v1", "baseUrl")]
    [InlineData("api.example.com/v1", "baseUrl")]
    public async Task A_bad_base_url_is_refused_naming_the_field(string baseUrl, string field)
    {
        var client = await _app.SignedInAsync();
        var response = await client.PostAsJsonAsync("/api/v1/synthesizers", new { name = "bad-url", baseUrl, model = "m" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(problem.GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == field
            && e.GetProperty("message").GetString()!.Contains("absolute http(s) URL", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Out_of_range_values_are_each_named()
    {
        var client = await _app.SignedInAsync();
        var response = await client.PostAsJsonAsync("/api/v1/synthesizers", new
        {
            name = "bad ranges", baseUrl = "https://api.example.com/v1", model = "m", temperature = 3.5, maxTokens = 0, inputPricePerMillion = -1m,
        });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var fields = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray()
            .Select(e => e.GetProperty("field").GetString()).ToHashSet();
        Assert.Superset(new HashSet<string?> { "name", "temperature", "maxTokens", "inputPricePerMillion" }, fields);
    }

    [Fact]
    public async Task The_configured_simulator_is_read_only_and_keys_for_it_come_from_configuration()
    {
        var client = await _app.SignedInAsync();
        var edit = await client.PutAsJsonAsync("/api/v1/synthesizers/simulator", new { baseUrl = "self:/sim/v1", model = "simulator" });
        Assert.Equal(HttpStatusCode.Conflict, edit.StatusCode);
        Assert.Contains("configuration", await edit.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, (await client.PutAsJsonAsync("/api/v1/synthesizers/simulator/key", new { apiKey = "sk-abcdefgh" })).StatusCode);
        var prices = await client.GetFromJsonAsync<JsonElement>("/api/v1/synthesizers/simulator/prices");
        Assert.Equal("configuration", prices[0].GetProperty("changedBy").GetString());
    }

    [Fact]
    public async Task A_duplicate_name_is_refused()
    {
        var client = await _app.SignedInAsync();
        var response = await client.PostAsJsonAsync("/api/v1/synthesizers", new { name = "SIMULATOR", baseUrl = "https://api.example.com/v1", model = "m" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("already exists", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
