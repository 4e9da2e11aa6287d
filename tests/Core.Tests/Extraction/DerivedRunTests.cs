using System.Text.Json;
using DeepFinance.Core.Data;
using DeepFinance.Core.Extraction;
using DeepFinance.Core.Runs;
using DeepFinance.Core.Tests.TestSupport;
using DeepFinance.Core.Verification;
using DeepFinance.LlmSim;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Core.Tests.Extracting;

/// <summary>The <c>a2q</c> and <c>t2q</c> run kinds end to end against the simulator over HTTP, on a real SQLite file.</summary>
public sealed class DerivedRunTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>The five seed questions sampled once with every answer right, so all are verified parents.</summary>
    private static async Task<(PipelineHarness H, long SourceRun)> VerifiedSourceAsync(SimulatorOptions? options = null)
    {
        options ??= new SimulatorOptions { DeriveMalformedRate = 0, DeriveMissingFieldRate = 0, DeriveIdenticalRate = 0 };
        options.CorrectProbability = 1;
        var h = await PipelineHarness.StartAsync(options);
        var source = await h.ImportSeedsAsync();
        var run = await h.RunToEndAsync(new RunSpec(RunKind.Q2a, source, "sim", 1));
        Assert.Equal(5, run.Correct);
        return (h, run.Id);
    }

    private static RunLaunch Launch(string kind, object spec) => new(kind, "sim", JsonSerializer.SerializeToElement(spec));

    private static DerivedQueries Queries(PipelineHarness h) => h.Services.GetRequiredService<DerivedQueries>();

    [Fact]
    public async Task A2q_run_turns_verified_questions_into_verified_variants_with_parent_perturbation_task_type_and_difficulty()
    {
        var (h, source) = await VerifiedSourceAsync();
        await using var _ = h;
        var run = await h.WaitAsync(await h.Runs.LaunchAsync(Launch("a2q", new { sourceRunId = source, variantsPerQuestion = 2, samplesToVerify = 3, agreeAtLeast = 2 }), "test"));

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(5, run.Total);
        Assert.Equal(5, run.Done);
        Assert.True(run.Cost > 0);
        await using var db = await h.Db.CreateDbContextAsync();
        var parents = await db.Questions.Where(q => q.Origin == QuestionOrigin.Q2A).ToDictionaryAsync(q => q.Id);
        var variants = await db.Questions.Where(q => q.Origin == QuestionOrigin.A2Q).ToListAsync();
        Assert.NotEmpty(variants);
        Assert.All(variants, v =>
        {
            Assert.Equal(run.Id, v.CreatedByRunId);
            Assert.True(parents.ContainsKey(v.ParentQuestionId!.Value));
            Assert.NotEqual(parents[v.ParentQuestionId.Value].Text, v.Text);
            Assert.False(string.IsNullOrWhiteSpace(v.ReferenceAnswer));
            Assert.False(string.IsNullOrWhiteSpace(v.Perturbation));
            // A counterfactual keeps its parent's task type; its difficulty comes from the samples that verified it.
            Assert.Equal(parents[v.ParentQuestionId.Value].TaskType, v.TaskType);
            Assert.NotNull(v.Difficulty);
            Assert.Equal(DifficultySource.PassRate, v.DifficultySource);
            Assert.Equal(3, v.VerifiedSamples);
        });
        // The figure-changing variant of the loan question: 20万 → another amount, the interest scaled alike.
        var loan = parents.Values.Single(q => q.Text.Contains("单利", StringComparison.Ordinal));
        Assert.Contains(variants, v => v.ParentQuestionId == loan.Id && v.Perturbation!.StartsWith("number: 20 →", StringComparison.Ordinal));
        // Each verified variant's samples are traces of the new question; the proposed answer never went into a sampling prompt.
        foreach (var v in variants)
        {
            var samples = await db.Traces.Where(t => t.QuestionId == v.Id).ToListAsync();
            Assert.Equal(3, samples.Count);
            Assert.True(samples.Count(t => t.Verdict == Verdict.Correct) >= 2);
        }
        var candidates = await db.DerivedCandidates.Where(c => c.RunId == run.Id).ToListAsync();
        Assert.Equal(variants.Count, candidates.Count(c => c.Status == DerivedStatus.Verified));
        Assert.All(candidates.Where(c => c.Status == DerivedStatus.Verified), c => Assert.Contains(variants, v => v.Id == c.QuestionId));
        Assert.All(candidates, c => Assert.True(c.TemplateVersion >= 1 && c.RequestHash.Length > 0));

        var lineage = await Queries(h).LineageAsync(loan.Id);
        Assert.NotNull(lineage);
        Assert.Null(lineage.Parent);
        Assert.Contains(lineage.Children, c => c.Origin == QuestionOrigin.A2Q && c.Perturbation is not null);
        var child = await Queries(h).LineageAsync(lineage.Children[0].Id);
        Assert.Equal(loan.Id, child!.Parent!.Id);
    }

    [Fact]
    public async Task A2q_rejects_identical_variants_missing_fields_and_disagreement_with_reasons_and_fails_only_items_with_broken_json()
    {
        var (h, source) = await VerifiedSourceAsync();
        await using var _ = h;
        var sim = h.Simulator.Options;

        sim.DeriveIdenticalRate = 1;
        var identical = await h.WaitAsync(await h.Runs.LaunchAsync(Launch("a2q", new { sourceRunId = source, samplingSalt = "identical" }), "test"));
        sim.DeriveIdenticalRate = 0;
        sim.DeriveMissingFieldRate = 1;
        var missing = await h.WaitAsync(await h.Runs.LaunchAsync(Launch("a2q", new { sourceRunId = source, samplingSalt = "missing" }), "test"));
        sim.DeriveMissingFieldRate = 0;
        sim.DeriveMalformedRate = 1;
        sim.RepairFailRate = 1;
        var broken = await h.WaitAsync(await h.Runs.LaunchAsync(Launch("a2q", new { sourceRunId = source, samplingSalt = "broken" }), "test"));
        sim.RepairFailRate = 0;
        sim.DeriveMalformedRate = 0;
        sim.CorrectProbability = 0;
        var disagreed = await h.WaitAsync(await h.Runs.LaunchAsync(Launch("a2q", new { sourceRunId = source, samplingSalt = "wrong" }), "test"));
        // A cut-off answer whose one repair request is answered well goes on as if it had been right the first time.
        sim.CorrectProbability = 1;
        sim.DeriveMalformedRate = 1;
        var repaired = await h.WaitAsync(await h.Runs.LaunchAsync(Launch("a2q", new { sourceRunId = source, samplingSalt = "repaired" }), "test"));

        foreach (var run in new[] { identical, missing, broken, repaired, disagreed })
        {
            Assert.Equal(RunStatus.Completed, run.Status);
            Assert.Equal(5, run.Done + run.Failed);
        }
        var q = Queries(h);
        var y1 = await q.YieldsAsync(identical.Id);
        Assert.Equal(0, y1.Verified);
        Assert.Equal(10, y1.RejectedByReason[RejectReasons.IdenticalToParent]);
        var y2 = await q.YieldsAsync(missing.Id);
        Assert.Equal(0, y2.Verified);
        Assert.Equal(10, y2.RejectedByReason[RejectReasons.MissingField]);
        var y3 = await q.YieldsAsync(broken.Id);
        Assert.Equal(5, broken.Failed);
        Assert.Equal(5, y3.FailedItems);
        Assert.Equal(5, y3.RejectedByReason[RejectReasons.MalformedJson]);
        var yr = await q.YieldsAsync(repaired.Id);
        Assert.Equal(0, repaired.Failed);
        Assert.Equal(10, yr.Proposed);
        Assert.True(yr.Verified > 0);
        Assert.False(yr.RejectedByReason.ContainsKey(RejectReasons.MalformedJson));
        var y4 = await q.YieldsAsync(disagreed.Id);
        Assert.Equal(0, y4.Verified);
        Assert.True(y4.RejectedByReason.GetValueOrDefault(RejectReasons.Disagreement) > 0, string.Join(", ", y4.RejectedByReason));

        await using var db = await h.Db.CreateDbContextAsync();
        Assert.Equal(0, await db.Questions.CountAsync(x => x.Origin == QuestionOrigin.A2Q && x.CreatedByRunId != repaired.Id));
        // A broken answer fails its item with the reason, and the raw text stays with the rejected candidate.
        var items = await db.RunItems.Where(i => i.RunId == broken.Id).ToListAsync();
        Assert.All(items, i => Assert.Matches("^malformed-json: not valid JSON .*; the repair attempt: not valid JSON", i.Error));
        var kept = await db.DerivedCandidates.Where(c => c.RunId == broken.Id).ToListAsync();
        Assert.All(kept, c => Assert.StartsWith("{\"variants\":", c.RawText, StringComparison.Ordinal));
        Assert.All(kept, c => Assert.StartsWith("{\"variants\":", c.RepairRawText, StringComparison.Ordinal));
        var why = await db.DerivedCandidates.FirstAsync(c => c.RunId == missing.Id);
        Assert.Matches("proposal [12] lacks (answer|perturbation)", why.RejectDetail);
        var disagreement = await db.DerivedCandidates.FirstAsync(c => c.RunId == disagreed.Id && c.RejectReason == RejectReasons.Disagreement);
        Assert.Matches(@"^\d of 4 sampled answers agreed with the proposed answer; at least 2 needed$", disagreement.RejectDetail);
    }

    [Fact]
    public async Task T2q_run_mines_questions_from_verified_traces_linked_to_trace_question_and_knowledge_point()
    {
        var (h, source) = await VerifiedSourceAsync();
        await using var _ = h;
        var run = await h.WaitAsync(await h.Runs.LaunchAsync(Launch("t2q", new { sourceRunId = source, pointsPerTrace = 2, questionsPerPoint = 1 }), "test"));

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(5, run.Done);
        await using var db = await h.Db.CreateDbContextAsync();
        var traces = await db.Traces.Where(t => t.RunId == source).ToDictionaryAsync(t => t.Id);
        var mined = await db.Questions.Where(q => q.Origin == QuestionOrigin.T2Q).ToListAsync();
        Assert.NotEmpty(mined);
        Assert.All(mined, m =>
        {
            var trace = traces[m.ParentTraceId!.Value];
            Assert.Equal(trace.QuestionId, m.ParentQuestionId);
            Assert.False(string.IsNullOrWhiteSpace(m.KnowledgePoint));
            Assert.NotNull(m.TaskType);
            Assert.NotNull(m.Difficulty);
        });
        var yields = await Queries(h).YieldsAsync(run.Id);
        Assert.Equal(10, yields.Proposed);
        Assert.Equal(mined.Count, yields.Verified);
    }

    [Fact]
    public async Task At_the_simulators_default_fault_rates_both_kinds_complete_and_every_proposal_is_accounted_for()
    {
        var (h, source) = await VerifiedSourceAsync(new SimulatorOptions());
        await using var _ = h;
        h.Simulator.Options.CorrectProbability = 0.7;
        foreach (var (kind, spec) in new (string, object)[]
        {
            ("a2q", new { sourceRunId = source, variantsPerQuestion = 3, samplesToVerify = 4, agreeAtLeast = 2 }),
            ("t2q", new { sourceRunId = source, pointsPerTrace = 2, questionsPerPoint = 2, samplesToVerify = 4, agreeAtLeast = 2 }),
        })
        {
            var run = await h.WaitAsync(await h.Runs.LaunchAsync(Launch(kind, spec), "test"));
            Assert.Equal(RunStatus.Completed, run.Status);
            Assert.Equal(5, run.Done + run.Failed);
            var y = await Queries(h).YieldsAsync(run.Id);
            Assert.Equal(y.Proposed, y.Verified + y.Rejected);
            Assert.Equal(run.Failed, y.FailedItems);
            await using var db = await h.Db.CreateDbContextAsync();
            Assert.Equal(y.Verified, await db.Questions.CountAsync(q => q.CreatedByRunId == run.Id));
            output.WriteLine($"{kind}: items {y.Items} (failed {y.FailedItems}), proposed {y.Proposed}, verified {y.Verified}, rejected {y.Rejected}: "
                + string.Join(", ", y.RejectedByReason.Select(r => $"{r.Key} {r.Value}")) + $"; requests {run.Attempts}, cost {run.Cost}");
        }
    }

    [Fact]
    public async Task Launch_names_the_field_a_spec_gets_wrong()
    {
        var (h, source) = await VerifiedSourceAsync();
        await using var _ = h;
        var e1 = await Assert.ThrowsAsync<RunValidationException>(() => h.Runs.LaunchAsync(Launch("a2q", new { sourceRunId = source, agreeAtLeast = 9, samplesToVerify = 4 }), "test"));
        Assert.Equal("spec.agreeAtLeast", e1.Field);
        var e2 = await Assert.ThrowsAsync<RunValidationException>(() => h.Runs.LaunchAsync(Launch("a2q", new { kinds = new[] { "colour" } }), "test"));
        Assert.Equal("spec.kinds", e2.Field);
        var e3 = await Assert.ThrowsAsync<RunValidationException>(() => h.Runs.LaunchAsync(Launch("t2q", new { traceIds = new[] { 999_999L } }), "test"));
        Assert.Equal("spec.traceIds", e3.Field);
    }
}
