using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeepFinance.Web.Tests.Faults;

/// <summary>
/// The built web app is killed with SIGKILL in the middle of a run and started again on the same data
/// directory, against the simulator in a process of its own (so it keeps counting across the kill).
/// </summary>
[Collection(nameof(KillRestartTests))]
public sealed class KillRestartTests : IAsyncLifetime
{
    private const int Questions = 400;
    private const string Email = "admin@kill.test";
    private const string Password = "Kill-restart-9-pass!";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "df-kill-" + Guid.NewGuid().ToString("N")[..8]);
    private ProductProcess? _simulator;
    private ProductProcess? _app;

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_root);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_run_killed_mid_way_resumes_at_once_after_restart_losing_nothing_duplicating_nothing_and_counting_every_request()
    {
        var lines = Enumerable.Range(0, Questions).Select(i => $$"""{"id":"k{{i}}","question":"What is {{i}} times 3?","answer":"{{3 * i}}"}""").ToList();
        var seeds = Path.Combine(_root, "seeds.jsonl");
        await File.WriteAllLinesAsync(seeds, lines);
        _simulator = await ProductProcess.StartAsync("LlmSim", "DeepFinance.LlmSim.dll", new Dictionary<string, string>(), null,
            $"--Simulator:OracleFile={seeds}", "--Simulator:LatencyMedianMs=200", "--Simulator:LatencySpread=0", "--Simulator:MaxConcurrency=1000");
        await _simulator.WaitUntilAnsweringAsync("stats", TimeSpan.FromSeconds(60));
        using var sim = new HttpClient { BaseAddress = _simulator.BaseAddress };

        var port = ProductProcess.FreePort();
        _app = await StartAppAsync(port);
        using var api = await SignInAsync(_app);
        var source = await ImportAsync(api, seeds);
        var launch = await api.PostAsJsonAsync("api/v1/runs", new
        {
            kind = "q2a", synthesizer = "remote", spec = new { seedSourceId = source, samplesPerQuestion = 1 },
        });
        Assert.True(launch.IsSuccessStatusCode, await launch.Content.ReadAsStringAsync());
        var runId = (await launch.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<long>();

        // Let it get going, then kill it with requests in flight.
        var before = await WaitForRunAsync(api, runId, r => r["done"]!.GetValue<int>() >= 60, TimeSpan.FromSeconds(90));
        _app.Kill();
        var doneAtKill = before["done"]!.GetValue<int>();
        Assert.True(doneAtKill < Questions, "the run finished before it could be killed");
        // What the endpoint had received when the app died, against what the app had stored: only the difference (in
        // flight, or answered in the instant before the commit) may be bought again. Both read after the kill, so no
        // request can slip in between the two counts.
        var sentBeforeKill = (await StatsAsync(sim))["requests"]!.GetValue<long>();
        var unstoredAtKill = sentBeforeKill - await StoredResponsesAsync();
        Assert.InRange(unstoredAtKill, 0, 64);

        var restart = Stopwatch.StartNew();
        _app = await StartAppAsync(port);
        // "Resumed within 10 s of the restart" counts from the moment the restarted app answers, not from the
        // process start: how long the runtime takes to boot depends on the machine's load, not on the engine.
        var up = restart.Elapsed;
        restart.Restart();
        using var api2 = await SignInAsync(_app);
        var resumedAt = TimeSpan.Zero;
        var seenDone = 0;
        var final = await WaitForRunAsync(api2, runId, r =>
        {
            var done = r["done"]!.GetValue<int>();
            if (resumedAt == TimeSpan.Zero && done > seenDone && seenDone > 0)
            {
                resumedAt = restart.Elapsed;
            }
            seenDone = Math.Max(seenDone, done);
            return r["status"]!.GetValue<string>() is "completed" or "failed" or "cancelled";
        }, TimeSpan.FromMinutes(3));

        Assert.Equal("completed", final["status"]!.GetValue<string>());
        Assert.Equal(Questions, final["done"]!.GetValue<int>());
        Assert.Equal(0, final["failed"]!.GetValue<int>());
        Assert.True(resumedAt > TimeSpan.Zero && resumedAt <= TimeSpan.FromSeconds(10),
            $"the restarted app (up after {up.TotalSeconds:0.0} s) resumed the run after {resumedAt.TotalSeconds:0.0} s");
        Assert.True(restart.Elapsed < TimeSpan.FromSeconds(45), $"the restarted app took {restart.Elapsed} to finish the run");

        var traces = await api2.GetFromJsonAsync<JsonObject>($"api/v1/runs/{runId}/traces?page=1&pageSize=1");
        Assert.Equal(Questions, traces!["total"]!.GetValue<int>());

        var stats = await StatsAsync(sim);
        var sent = stats["requests"]!.GetValue<long>();
        var resent = stats["duplicateBodies"]!.GetValue<long>();
        // Only what had no stored answer at the kill may be asked again; nothing stored is bought twice.
        Assert.InRange(resent, 0, unstoredAtKill);
        Assert.Equal(Questions + resent, sent);
        // Every request the simulator received was counted. An attempt is committed before its request leaves, so a kill
        // between the two counts a request that never arrived: the count may exceed what was received by at most
        // the synthesizer's concurrency (16, the most that can be between the two at once), never fall short of it.
        Assert.InRange(final["attempts"]!.GetValue<long>(), sent, sent + 16);
    }

    private async Task<long> StoredResponsesAsync()
    {
        await using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_root, "data", "deepfinance.db")};Pooling=False");
        await db.OpenAsync();
        await using var count = db.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM LlmResponses";
        return (long)(await count.ExecuteScalarAsync())!;
    }

    private async Task<ProductProcess> StartAppAsync(int port)
    {
        var app = await ProductProcess.StartAsync("Web", "DeepFinance.Web.dll", new Dictionary<string, string>
        {
            ["DeepFinance__DataDirectory"] = Path.Combine(_root, "data"),
            ["DeepFinance__Admin__Email"] = Email,
            ["DeepFinance__Admin__Password"] = Password,
            ["DeepFinance__Simulator__Enabled"] = "false",
            ["DeepFinance__Synthesizers__remote__BaseUrl"] = new Uri(_simulator!.BaseAddress, "v1").ToString(),
            ["DeepFinance__Synthesizers__remote__Model"] = "simulator",
            ["DeepFinance__Synthesizers__remote__MaxConcurrency"] = "16",
            // Eight partitions for eight workers: every partition is leased when the kill lands, so only taking the
            // dead node's leases back (not unclaimed partitions) can get the run going again.
            ["DeepFinance__Runs__DefaultPartitionSize"] = "50",
            ["DeepFinance__Hangfire__WorkerCount"] = "8",
        }, port);
        await app.WaitUntilAnsweringAsync("health", TimeSpan.FromSeconds(90));
        return app;
    }

    private static async Task<HttpClient> SignInAsync(ProductProcess app)
    {
        var http = new HttpClient { BaseAddress = app.BaseAddress };
        var login = await http.PostAsJsonAsync("api/v1/auth/login", new { email = Email, password = Password });
        Assert.True(login.IsSuccessStatusCode, await login.Content.ReadAsStringAsync());
        var token = (await login.Content.ReadFromJsonAsync<JsonObject>())!["accessToken"]!.GetValue<string>();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private static async Task<long> ImportAsync(HttpClient api, string file)
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent("kill-test"), "name" },
            { new ByteArrayContent(await File.ReadAllBytesAsync(file)), "file", "seeds.jsonl" },
        };
        var response = await api.PostAsync("api/v1/seed-sources", form);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<long>();
    }

    private static async Task<JsonObject> StatsAsync(HttpClient sim) => (await sim.GetFromJsonAsync<JsonObject>("stats"))!;

    private static async Task<JsonObject> WaitForRunAsync(HttpClient api, long runId, Func<JsonObject, bool> until, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        JsonObject? last = null;
        while (clock.Elapsed < timeout)
        {
            last = await api.GetFromJsonAsync<JsonObject>($"api/v1/runs/{runId}");
            if (until(last!))
            {
                return last!;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"run {runId} did not get there in {timeout}; last seen {last?.ToJsonString()}");
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
        if (_simulator is not null)
        {
            await _simulator.DisposeAsync();
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
