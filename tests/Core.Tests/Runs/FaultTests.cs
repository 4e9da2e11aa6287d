using DeepFinance.Core.Data;
using DeepFinance.Core.Ingest;
using DeepFinance.Core.Runs;
using DeepFinance.Core.Tests.TestSupport;
using DeepFinance.LlmSim;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DeepFinance.Core.Tests.Runs;

/// <summary>Runs under faults, against the simulator over loopback HTTP.</summary>
public sealed class FaultTests
{
    [Fact]
    public async Task An_unreachable_endpoint_pauses_the_run_with_its_reason_and_burns_no_item()
    {
        // Port 9 on loopback: nothing listens, every connection is refused.
        await using var h = await PipelineHarness.StartAsync(settings: new Dictionary<string, string?>
        {
            ["DeepFinance:Synthesizers:down:BaseUrl"] = "http://127.0.0.1:9/v1",
            ["DeepFinance:Synthesizers:down:Model"] = "simulator",
            ["DeepFinance:Synthesizers:down:MaxConcurrency"] = "2",
        });
        var source = await h.ImportSeedsAsync();
        var runId = await h.Runs.LaunchAsync(new RunSpec(RunKind.Q2a, source, "down", 2), "test");
        var run = await WaitForStatusAsync(h, runId, RunStatus.Paused);

        Assert.Contains("'down' is not answering", run.Error, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1", run.Error, StringComparison.Ordinal);
        Assert.Equal(0, run.Failed);
        Assert.Equal(0, run.Done);
        await using var db = await h.Db.CreateDbContextAsync();
        Assert.Equal(10, await db.RunItems.CountAsync(i => i.RunId == runId && i.Status == RunItemStatus.Pending));
        Assert.Equal(0, await db.Traces.CountAsync(t => t.RunId == runId));
        // The breaker opened after a few refusals: the run did not try every item five times.
        Assert.InRange(run.Attempts, 1, 8);
    }

    [Fact]
    public async Task A_silent_endpoint_holds_items_only_for_the_timeout_and_resume_takes_the_run_up_again()
    {
        await using var h = await PipelineHarness.StartAsync(new SimulatorOptions { RateHang = 1, HangSeconds = 60 },
            new Dictionary<string, string?> { ["DeepFinance:Llm:RequestTimeoutSeconds"] = "1", ["DeepFinance:Llm:BreakerFailures"] = "3" });
        var source = await h.ImportSeedsAsync();
        var launched = DateTime.UtcNow;
        var runId = await h.Runs.LaunchAsync(new RunSpec(RunKind.Q2a, source, "sim", 1), "test");
        var paused = await WaitForStatusAsync(h, runId, RunStatus.Paused);
        Assert.Contains("within 1 s", paused.Error, StringComparison.Ordinal);
        Assert.True(DateTime.UtcNow - launched < TimeSpan.FromSeconds(20), "a silent endpoint held the run far longer than its timeout");
        Assert.Equal(0, paused.Failed);

        h.Simulator.Options.RateHang = 0;
        Assert.True(await h.Runs.ResumeAsync(runId, "test"));
        var resumed = await h.WaitAsync(runId);
        Assert.Equal(RunStatus.Completed, resumed.Status);
        Assert.Equal(5, resumed.Done);
        Assert.Null(resumed.Error);
    }

    [Fact]
    public async Task Cancel_starts_no_new_attempt_not_even_a_retry()
    {
        // Every answer is a 500, retried after 400 ms: without the stop, retries would go on after the cancel.
        await using var h = await PipelineHarness.StartAsync(new SimulatorOptions { Rate500 = 1 }, new Dictionary<string, string?>
        {
            ["DeepFinance:Llm:BaseDelayMs"] = "400", ["DeepFinance:Llm:MaxDelayMs"] = "400", ["DeepFinance:Llm:MaxAttempts"] = "10",
        });
        var source = await h.ImportSeedsAsync();
        var runId = await h.Runs.LaunchAsync(new RunSpec(RunKind.Q2a, source, "sim", 1), "test");
        while (h.Simulator.Stats.Requests < 4)
        {
            await Task.Delay(10);
        }
        Assert.True(await h.Runs.CancelAsync(runId, "test"));
        var atCancel = h.Simulator.Stats.Requests + h.Simulator.Stats.InFlight;
        await h.Scheduler.IdleAsync();
        await Task.Delay(1500);

        Assert.InRange(h.Simulator.Stats.Requests, 4, atCancel + 1);
        var run = (await h.Runs.GetAsync(runId))!;
        Assert.Equal(RunStatus.Cancelled, run.Status);
        // Items stopped by the cancel are not failed: a resume takes them up.
        Assert.Equal(0, run.Failed);
        Assert.Equal(h.Simulator.Stats.Requests, run.Attempts);
    }

    [Fact]
    public async Task A_run_during_concurrent_imports_buys_no_answer_twice_and_counts_every_request()
    {
        await using var h = await PipelineHarness.StartAsync(new SimulatorOptions { LatencyMedianMs = 5 }, new Dictionary<string, string?>
        {
            ["DeepFinance:Synthesizers:sim:MaxConcurrency"] = "16", ["DeepFinance:Runs:DefaultPartitionSize"] = "40",
        });
        var lines = Enumerable.Range(0, 400).Select(i => $$"""{"id":"q{{i}}","question":"What is {{i}} plus {{i}}?","answer":"{{2 * i}}"}""").ToList();
        var seeds = Path.Combine(h.Directory, "many.jsonl");
        await File.WriteAllLinesAsync(seeds, lines);
        await File.AppendAllLinesAsync(Path.Combine(h.Directory, "oracle.jsonl"), lines);
        long source;
        await using (var stream = File.OpenRead(seeds))
        {
            source = (await h.Services.GetRequiredService<SeedImporter>().ImportAsync(stream, seeds, "many", "test")).SourceId!.Value;
        }

        // A second service container on the same files stands in for the CLI: its own connections, its own write transactions.
        var big = Path.Combine(h.Directory, "big.jsonl");
        await File.WriteAllLinesAsync(big, Enumerable.Range(0, 20_000).Select(i => $$"""{"question":"Imported question {{i}}: what is the yield of bond {{i}}?","answer":"{{i % 9}}%"}"""));
        await using var cli = new ServiceCollection()
            .AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(new Microsoft.Extensions.Configuration.ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?> { ["DeepFinance:DataDirectory"] = h.Directory, ["DeepFinance:Simulator:Enabled"] = "false" }).Build())
            .AddLogging()
            .AddDeepFinanceData(new Microsoft.Extensions.Configuration.ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?> { ["DeepFinance:DataDirectory"] = h.Directory }).Build())
            .AddAudit().AddIngest().BuildServiceProvider();
        using var stopImports = new CancellationTokenSource();
        var imports = Task.Run(async () =>
        {
            var n = 0;
            while (!stopImports.IsCancellationRequested)
            {
                await using var stream = File.OpenRead(big);
                var result = await cli.GetRequiredService<SeedImporter>().ImportAsync(stream, big, "import " + n++, "cli");
                Assert.True(result.Succeeded, string.Join("; ", result.Errors));
                // Someone at a terminal, importing file after file.
                await Task.Delay(300);
            }
            return n;
        });

        var run = await h.RunToEndAsync(new RunSpec(RunKind.Q2a, source, "sim", 1), TimeSpan.FromMinutes(3));
        await stopImports.CancelAsync();
        Assert.True(await imports >= 1);

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(400, run.Done);
        Assert.Equal(0, h.Simulator.Stats.DuplicateBodies);
        Assert.Equal(400, h.Simulator.Stats.Requests);
        Assert.Equal(h.Simulator.Stats.Requests, run.Attempts);
        await using var db = await h.Db.CreateDbContextAsync();
        Assert.Equal(400, await db.LlmResponses.CountAsync());
        Assert.DoesNotContain(h.Logs.Entries, e => e.Level >= LogLevel.Error);
    }

    private static async Task<RunProgress> WaitForStatusAsync(PipelineHarness h, long runId, RunStatus status)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < until)
        {
            var run = (await h.Runs.GetAsync(runId))!;
            if (run.Status == status)
            {
                return run;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"run {runId} never became {status}; it is {(await h.Runs.GetAsync(runId))!.Status}");
    }
}
