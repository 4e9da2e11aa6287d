using DeepFinance.Core.Data;
using DeepFinance.Core.Runs;
using DeepFinance.Core.Tests.TestSupport;
using DeepFinance.LlmSim;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Tests.Runs;

/// <summary>Exactly-once spend, counted by the simulator over real HTTP on loopback.</summary>
public sealed class ExactlyOnceTests
{
    [Fact]
    public async Task The_same_run_twice_sends_nothing_the_second_time()
    {
        await using var h = await PipelineHarness.StartAsync();
        var source = await h.ImportSeedsAsync();
        var spec = new RunSpec(RunKind.Q2a, source, "sim", 2);

        var first = await h.RunToEndAsync(spec);
        Assert.Equal(RunStatus.Completed, first.Status);
        Assert.Equal(10, first.Done);
        Assert.Equal(10, h.Simulator.Stats.Requests);
        Assert.True(first.Cost > 0);

        var second = await h.RunToEndAsync(spec);
        Assert.Equal(RunStatus.Completed, second.Status);
        Assert.Equal(10, second.Done);
        Assert.Equal(10, second.FromStore);
        Assert.Equal(0m, second.Cost);
        Assert.Equal(10, h.Simulator.Stats.Requests);
        Assert.Equal(0, h.Simulator.Stats.DuplicateBodies);
    }

    [Fact]
    public async Task Raising_k_from_two_to_three_sends_only_the_third_samples()
    {
        await using var h = await PipelineHarness.StartAsync();
        var source = await h.ImportSeedsAsync();
        await h.RunToEndAsync(new RunSpec(RunKind.Q2a, source, "sim", 2));
        Assert.Equal(10, h.Simulator.Stats.Requests);

        var third = await h.RunToEndAsync(new RunSpec(RunKind.Q2a, source, "sim", 3));
        Assert.Equal(15, third.Done);
        Assert.Equal(10, third.FromStore);
        Assert.Equal(15, h.Simulator.Stats.Requests);
    }

    [Fact]
    public async Task A_new_salt_buys_fresh_samples()
    {
        await using var h = await PipelineHarness.StartAsync();
        var source = await h.ImportSeedsAsync();
        await h.RunToEndAsync(new RunSpec(RunKind.Q2a, source, "sim", 1));
        await h.RunToEndAsync(new RunSpec(RunKind.Q2a, source, "sim", 1, SamplingSalt: "fresh"));
        Assert.Equal(10, h.Simulator.Stats.Requests);
    }

    [Fact]
    public async Task A_run_cancelled_midway_and_resumed_sends_no_answered_request_again()
    {
        // Slow answers and one request at a time, so the cancel lands mid-run.
        await using var h = await PipelineHarness.StartAsync(new SimulatorOptions { LatencyMedianMs = 150, LatencySpread = 0 },
            new Dictionary<string, string?> { ["DeepFinance:Synthesizers:sim:MaxConcurrency"] = "1", ["DeepFinance:Runs:DefaultPartitionSize"] = "5" });
        var source = await h.ImportSeedsAsync();
        var runId = await h.Runs.LaunchAsync(new RunSpec(RunKind.Q2a, source, "sim", 2), "test");
        while ((await h.Runs.GetAsync(runId))!.Done < 3)
        {
            await Task.Delay(20);
        }
        Assert.True(await h.Runs.CancelAsync(runId, "test"));
        var cancelled = await h.WaitAsync(runId);
        Assert.Equal(RunStatus.Cancelled, cancelled.Status);
        await h.Scheduler.IdleAsync();
        var answered = (await h.Runs.GetAsync(runId))!.Done;
        Assert.InRange(answered, 3, 9);
        var sentBeforeResume = h.Simulator.Stats.Requests;

        Assert.True(await h.Runs.ResumeAsync(runId, "test"));
        var resumed = await h.WaitAsync(runId);
        Assert.Equal(RunStatus.Completed, resumed.Status);
        Assert.Equal(10, resumed.Done);
        Assert.Equal(0, h.Simulator.Stats.DuplicateBodies);
        // Requests in flight at the cancel were let finish and stored, so only unanswered items were sent.
        Assert.Equal(10 - answered, h.Simulator.Stats.Requests - sentBeforeResume);
        await using var db = await h.Db.CreateDbContextAsync();
        Assert.Equal(10, await db.Traces.CountAsync(t => t.RunId == runId));
    }

    [Fact]
    public async Task A_broken_answer_fails_one_item_with_its_reason_and_the_run_goes_on()
    {
        await using var h = await PipelineHarness.StartAsync(new SimulatorOptions { RateMalformed = 0.5 },
            new Dictionary<string, string?> { ["DeepFinance:Llm:MaxAttempts"] = "1" });
        var source = await h.ImportSeedsAsync();
        var run = await h.RunToEndAsync(new RunSpec(RunKind.Q2a, source, "sim", 4));
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(20, run.Done + run.Failed);
        Assert.True(run.Failed > 0 && run.Done > 0, $"done {run.Done}, failed {run.Failed}");
        await using var db = await h.Db.CreateDbContextAsync();
        var failed = await db.Traces.Where(t => t.RunId == run.Id && t.Status == TraceStatus.Failed).ToListAsync();
        Assert.All(failed, t => Assert.Contains("malformed", t.FailureReason));
        Assert.Equal(0, await db.LlmResponses.CountAsync() - run.Done);
    }

    [Fact]
    public async Task Transient_errors_are_retried_and_each_attempt_is_counted()
    {
        // Half the answers are 500s over 20 requests: the chance that none fails (and the test proves nothing) is one in a million.
        await using var h = await PipelineHarness.StartAsync(new SimulatorOptions { Rate500 = 0.5 },
            new Dictionary<string, string?> { ["DeepFinance:Llm:MaxAttempts"] = "20" });
        var source = await h.ImportSeedsAsync();
        var run = await h.RunToEndAsync(new RunSpec(RunKind.Q2a, source, "sim", 4));
        Assert.Equal(20, run.Done);
        Assert.Equal(h.Simulator.Stats.Requests, run.Attempts);
        Assert.True(run.Attempts > 10);
    }

    [Fact]
    public async Task Concurrency_stays_within_the_synthesizer_limit_across_two_runs()
    {
        await using var h = await PipelineHarness.StartAsync(new SimulatorOptions { LatencyMedianMs = 30, LatencySpread = 0 },
            new Dictionary<string, string?> { ["DeepFinance:Synthesizers:sim:MaxConcurrency"] = "2" });
        var source = await h.ImportSeedsAsync();
        var a = await h.Runs.LaunchAsync(new RunSpec(RunKind.Q2a, source, "sim", 4), "test");
        var b = await h.Runs.LaunchAsync(new RunSpec(RunKind.Q2a, source, "sim", 4, SamplingSalt: "b"), "test");
        Assert.Equal(RunStatus.Completed, (await h.WaitAsync(a)).Status);
        Assert.Equal(RunStatus.Completed, (await h.WaitAsync(b)).Status);
        Assert.Equal(40, h.Simulator.Stats.Requests);
        Assert.InRange(h.Simulator.Stats.MaxInFlight, 1, 2);
    }
}
