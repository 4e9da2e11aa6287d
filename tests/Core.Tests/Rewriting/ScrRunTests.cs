using System.Collections.Concurrent;
using System.Text.Json;
using DeepFinance.Core.Data;
using DeepFinance.Core.Rewriting;
using DeepFinance.Core.Runs;
using DeepFinance.Core.Tests.TestSupport;
using DeepFinance.Core.Verification;
using DeepFinance.LlmSim;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Tests.Rewriting;

/// <summary>The <c>scr</c> run kind end to end against the simulator over HTTP, on a real SQLite file.</summary>
public sealed class ScrRunTests
{
    /// <summary>Every first answer wrong, so all five seed questions give the scr run a failed trace.</summary>
    private static async Task<(PipelineHarness H, long SourceRun)> FailedSourceAsync(double fixRate = 0.5, double leakRate = 0)
    {
        var h = await PipelineHarness.StartAsync(new SimulatorOptions { CorrectProbability = 0, ScrFixRate = fixRate, ScrLeakRate = leakRate });
        var source = await h.ImportSeedsAsync();
        var run = await h.RunToEndAsync(new RunSpec(RunKind.Q2a, source, "sim", 1));
        Assert.Equal(5, run.Incorrect);
        return (h, run.Id);
    }

    private static RunLaunch Scr(object spec) => new("scr", "sim", JsonSerializer.SerializeToElement(spec));

    [Fact]
    public async Task Scr_run_rewrites_failed_traces_storing_every_round_and_a_pending_review_for_each_verified_rewrite()
    {
        var (h, sourceRun) = await FailedSourceAsync();
        await using var _ = h;
        var run = await h.WaitAsync(await h.Runs.LaunchAsync(Scr(new { sourceRunId = sourceRun, maxRounds = 3 }), "test"));

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal("scr", run.Kind);
        Assert.Equal(5, run.Total);
        Assert.Equal(5, run.Done);
        await using var db = await h.Db.CreateDbContextAsync();
        var originals = await db.Traces.Where(t => t.RunId == sourceRun).ToDictionaryAsync(t => t.Id);
        var rounds = await db.Traces.Where(t => t.RunId == run.Id).OrderBy(t => t.Id).ToListAsync();
        var reviews = await db.Reviews.Where(r => r.RunId == run.Id).ToListAsync();
        var fixedCount = 0;
        foreach (var chain in rounds.GroupBy(t => t.RunItemId))
        {
            var list = chain.OrderBy(t => t.Round).ToList();
            Assert.Equal(Enumerable.Range(1, list.Count), list.Select(t => t.Round));
            // Round 1 continues the failed first answer; each later round the one before it.
            Assert.True(originals.ContainsKey(list[0].ParentTraceId!.Value));
            for (var i = 1; i < list.Count; i++)
            {
                Assert.Equal(list[i - 1].Id, list[i].ParentTraceId);
            }
            Assert.All(list, t =>
            {
                Assert.Equal(TraceStatus.Succeeded, t.Status);
                Assert.False(string.IsNullOrWhiteSpace(t.Reflection));
                Assert.False(string.IsNullOrWhiteSpace(t.Answer));
                Assert.NotNull(t.Verdict);
                Assert.True(t.PromptTokens > 0 && t.CostMicros > 0);
            });
            // Only the last round may verify; rounds stop there, or at the limit.
            Assert.All(list.SkipLast(1), t => Assert.NotEqual(Verdict.Correct, t.Verdict));
            var last = list[^1];
            if (last.Verdict == Verdict.Correct)
            {
                fixedCount++;
                var review = Assert.Single(reviews, r => r.RewriteTraceId == last.Id);
                Assert.Equal(ReviewStatus.Pending, review.Status);
                Assert.Equal(1, review.Version);
                Assert.Equal(1, review.RequiredReviews);
                Assert.Equal(last.Round, review.Rounds);
                Assert.Equal(list[0].ParentTraceId, review.OriginalTraceId);
                Assert.Equal(last.QuestionId, review.QuestionId);
            }
            else
            {
                Assert.Equal(3, list.Count);
                Assert.DoesNotContain(reviews, r => r.RewriteTraceId == last.Id);
            }
        }
        Assert.Equal(fixedCount, reviews.Count);
        Assert.InRange(fixedCount, 1, 5);
        Assert.Equal(2, await db.RunPrompts.CountAsync(p => p.RunId == run.Id && (p.Role == "reflect" || p.Role == "rewrite")));

        // The training reasoning keeps the flawed original at the head, then each reflection and rewrite in order.
        var fixedChain = rounds.Where(t => t.RunItemId == rounds.First(x => x.Verdict == Verdict.Correct).RunItemId).OrderBy(t => t.Round).ToList();
        var composed = ScrReasoning.Compose(originals[fixedChain[0].ParentTraceId!.Value], fixedChain);
        Assert.StartsWith(ScrReasoning.Thinking(originals[fixedChain[0].ParentTraceId!.Value]), composed, StringComparison.Ordinal);
        Assert.EndsWith(ScrReasoning.Thinking(fixedChain[^1]), composed, StringComparison.Ordinal);
        Assert.Contains(fixedChain[0].Reflection!, composed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scr_rerun_of_the_same_spec_sends_no_request_and_stores_the_same_rounds()
    {
        var (h, sourceRun) = await FailedSourceAsync();
        await using var _ = h;
        var first = await h.WaitAsync(await h.Runs.LaunchAsync(Scr(new { sourceRunId = sourceRun, maxRounds = 3 }), "test"));
        var sent = h.Simulator.Stats.Requests;
        Assert.True(first.Cost > 0);

        var second = await h.WaitAsync(await h.Runs.LaunchAsync(Scr(new { sourceRunId = sourceRun, maxRounds = 3 }), "test"));

        Assert.Equal(RunStatus.Completed, second.Status);
        Assert.Equal(sent, h.Simulator.Stats.Requests);
        Assert.Equal(5, second.FromStore);
        Assert.Equal(0m, second.Cost);
        await using var db = await h.Db.CreateDbContextAsync();
        var a = await db.Traces.Where(t => t.RunId == first.Id).OrderBy(t => t.Id).Select(t => new { t.Round, t.RequestHash, t.Verdict }).ToListAsync();
        var b = await db.Traces.Where(t => t.RunId == second.Id).OrderBy(t => t.Id).Select(t => new { t.Round, t.RequestHash, t.Verdict }).ToListAsync();
        Assert.Equal(a.OrderBy(x => x.RequestHash, StringComparer.Ordinal), b.OrderBy(x => x.RequestHash, StringComparer.Ordinal));
    }

    [Fact]
    public async Task Scr_run_cancelled_midway_and_resumed_buys_no_request_twice()
    {
        var (h, sourceRun) = await FailedSourceAsync(fixRate: 0);
        await using var _ = h;
        h.Simulator.Options.LatencyMedianMs = 30;
        var before = h.Simulator.Stats.Requests;
        var id = await h.Runs.LaunchAsync(Scr(new { sourceRunId = sourceRun, maxRounds = 3 }) with { PartitionSize = 1 }, "test");
        while ((await h.Runs.GetAsync(id))!.Attempts < 4)
        {
            await Task.Delay(10);
        }
        Assert.True(await h.Runs.CancelAsync(id, "test"));
        await h.Scheduler.IdleAsync();
        Assert.True(await h.Runs.ResumeAsync(id, "test"));
        var run = await h.WaitAsync(id);

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(5, run.Done);
        // Nothing fixes, so every item runs all three rounds: exactly two requests per round, none sent twice.
        Assert.True(before + 5 * 3 * 2 == h.Simulator.Stats.Requests, $"{h.Simulator.Stats.Snapshot()} before {before}");
        Assert.Equal(0, h.Simulator.Stats.DuplicateBodies);
        await using var db = await h.Db.CreateDbContextAsync();
        Assert.Equal(15, await db.Traces.CountAsync(t => t.RunId == id));
        Assert.Equal(0, await db.Reviews.CountAsync(r => r.RunId == id));
    }

    [Fact]
    public async Task Scr_rewrite_request_never_contains_the_reference_and_the_reflection_request_does()
    {
        var (h, sourceRun) = await FailedSourceAsync();
        await using var _ = h;
        var bodies = new ConcurrentQueue<string>();
        h.Simulator.Stats.BodyReceived += bodies.Enqueue;
        await h.WaitAsync(await h.Runs.LaunchAsync(Scr(new { sourceRunId = sourceRun, maxRounds = 2 }), "test"));

        var rewrites = bodies.Where(b => b.Contains("[scr:rewrite]", StringComparison.Ordinal)).ToList();
        var reflections = bodies.Where(b => b.Contains("[scr:reflect]", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(rewrites);
        Assert.Equal(reflections.Count, rewrites.Count);
        // References distinctive enough to look for in a prompt (a lone "B" would be found everywhere).
        // A sign-flipped first answer (-30000) may show in the flawed thinking; that is the attempt's, not the reference.
        string[] references = ["30000", "$3.00", "10%"];
        foreach (var body in rewrites)
        {
            var text = JsonDocument.Parse(body).RootElement.GetProperty("messages").EnumerateArray()
                .Select(m => m.GetProperty("content").GetString()).Aggregate((x, y) => x + "\n" + y)!;
            var leaked = references.FirstOrDefault(r => System.Text.RegularExpressions.Regex.IsMatch(text, @"(?<![\d.$\-])" + System.Text.RegularExpressions.Regex.Escape(r) + @"(?![\d%])"));
            Assert.True(leaked is null, $"{leaked} in: {text}");
            Assert.DoesNotContain(references, r => System.Text.RegularExpressions.Regex.IsMatch(text, @"(?<![\d.$\-])" + System.Text.RegularExpressions.Regex.Escape(r) + @"(?![\d%])"));
            Assert.DoesNotContain("correct result", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("正确结果", text, StringComparison.Ordinal);
        }
        Assert.Contains(reflections, b => b.Contains("30000", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Scr_leaky_reflection_is_flagged_on_the_trace_and_the_review()
    {
        var (h, sourceRun) = await FailedSourceAsync(fixRate: 1, leakRate: 1);
        await using var _ = h;
        var run = await h.WaitAsync(await h.Runs.LaunchAsync(Scr(new { sourceRunId = sourceRun, maxRounds = 1 }), "test"));

        await using var db = await h.Db.CreateDbContextAsync();
        var traces = await db.Traces.Where(t => t.RunId == run.Id).ToListAsync();
        Assert.Equal(5, traces.Count);
        Assert.All(traces, t => Assert.NotNull(t.LeakHits));
        var reviews = await db.Reviews.Where(r => r.RunId == run.Id).ToListAsync();
        Assert.Equal(5, reviews.Count);
        Assert.All(reviews, r => Assert.True(r.LeakFlag));
    }

    [Fact]
    public async Task Scr_spec_is_refused_on_the_field_that_is_wrong()
    {
        var (h, sourceRun) = await FailedSourceAsync();
        await using var _ = h;
        var none = await Assert.ThrowsAsync<RunValidationException>(() => h.Runs.LaunchAsync(Scr(new { maxRounds = 3 }), "test"));
        Assert.Equal("spec.sourceRunId", none.Field);
        var unknown = await Assert.ThrowsAsync<RunValidationException>(() => h.Runs.LaunchAsync(Scr(new { sourceRunId = 9999 }), "test"));
        Assert.Equal("spec.sourceRunId", unknown.Field);
        Assert.Contains("9999", unknown.Message);
        var rounds = await Assert.ThrowsAsync<RunValidationException>(() => h.Runs.LaunchAsync(Scr(new { sourceRunId = sourceRun, maxRounds = 11 }), "test"));
        Assert.Equal("spec.maxRounds", rounds.Field);
        var pattern = await Assert.ThrowsAsync<RunValidationException>(() =>
            h.Runs.LaunchAsync(Scr(new { sourceRunId = sourceRun, leakPatterns = new[] { "fine", "(unclosed" } }), "test"));
        Assert.Equal("spec.leakPatterns[1]", pattern.Field);
        await using var db = await h.Db.CreateDbContextAsync();
        var correctTrace = await db.Traces.Where(t => t.Verdict != Verdict.Incorrect).Select(t => (long?)t.Id).FirstOrDefaultAsync() ?? 123456;
        var ids = await Assert.ThrowsAsync<RunValidationException>(() =>
            h.Runs.LaunchAsync(Scr(new { traceIds = new[] { correctTrace } }), "test"));
        Assert.Equal("spec.traceIds", ids.Field);
    }

    [Fact]
    public async Task Scr_send_back_of_a_verified_rewrite_runs_one_more_round_on_it()
    {
        var (h, sourceRun) = await FailedSourceAsync(fixRate: 1);
        await using var _ = h;
        var first = await h.WaitAsync(await h.Runs.LaunchAsync(Scr(new { sourceRunId = sourceRun, maxRounds = 1 }), "test"));
        long rewriteId;
        await using (var db = await h.Db.CreateDbContextAsync())
        {
            var review = await db.Reviews.FirstAsync(r => r.RunId == first.Id);
            rewriteId = review.RewriteTraceId;
            review.Status = ReviewStatus.SentBack;
            await db.SaveChangesAsync();
        }

        var again = await h.WaitAsync(await h.Runs.LaunchAsync(Scr(new { traceIds = new[] { rewriteId }, maxRounds = 1 }), "test"));

        Assert.Equal(RunStatus.Completed, again.Status);
        await using var check = await h.Db.CreateDbContextAsync();
        var round = await check.Traces.SingleAsync(t => t.RunId == again.Id);
        Assert.Equal(2, round.Round);
        Assert.Equal(rewriteId, round.ParentTraceId);
        var next = await check.Reviews.SingleAsync(r => r.RunId == again.Id);
        Assert.Equal(round.Id, next.RewriteTraceId);
        Assert.Equal(2, next.Rounds);
        var original = await check.Traces.SingleAsync(t => t.Id == rewriteId);
        Assert.Equal(original.ParentTraceId, next.OriginalTraceId);
    }

    [Fact]
    public async Task Scr_rewrites_do_not_count_towards_a_questions_pass_rate()
    {
        var (h, sourceRun) = await FailedSourceAsync(fixRate: 1);
        await using var _ = h;
        await h.WaitAsync(await h.Runs.LaunchAsync(Scr(new { sourceRunId = sourceRun, maxRounds = 1 }), "test"));

        // A later sampling run over the same questions (two samples; the first is the q2a run's, from the store) recomputes their pass rates.
        var again = await h.WaitAsync(await h.Runs.LaunchAsync(new RunLaunch("synthesize", "sim",
            JsonSerializer.SerializeToElement(new { samplesPerQuestion = 2 })), "test"));
        Assert.Equal(RunStatus.Completed, again.Status);

        await using var db = await h.Db.CreateDbContextAsync();
        // Every first answer was wrong (the simulator never answers right here), every rewrite verified: the pass rate
        // is that of the first answers alone.
        Assert.All(await db.Questions.ToListAsync(), q =>
        {
            Assert.Equal(0, q.PassRate);
            Assert.Equal(3, q.VerifiedSamples);
        });
    }
}
