using Bunit;
using DeepFinance.Core.Data;
using DeepFinance.Web.Components.Pages.Operate;
using DeepFinance.Web.Components.Pages.Traces;
using DeepFinance.Web.Tests.Localization;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Web.Tests.Components;

/// <summary>The lineage view on the trace page and the a2q/t2q yields on the run page.</summary>
public sealed class LineagePanelTests
{
    /// <summary>A sampled seed question with an A2Q variant, a T2Q child and a rejected proposal; returns (trace of the parent, variant id, run id).</summary>
    private static async Task<(long ParentTrace, long Variant, long RunId)> FamilyAsync(UiTestHost host)
    {
        var runId = await host.SeedRunWithTracesAsync(2);
        await using var db = await host.DbAsync();
        var trace = await db.Traces.Where(t => t.RunId == runId).OrderBy(t => t.Id).FirstAsync();
        var run = await db.Runs.FindAsync(runId);
        var a2qRun = new Run
        {
            Kind = "a2q", Status = RunStatus.Completed, SynthesizerName = "simulator", Model = "simulator", PromptTemplateId = run!.PromptTemplateId,
            SamplingSalt = "", ParametersJson = "{}", Total = 1, Done = 1, CreatedAt = DateTimeOffset.UtcNow,
        };
        db.Runs.Add(a2qRun);
        await db.SaveChangesAsync();
        var variant = new Question
        {
            Origin = QuestionOrigin.A2Q, ParentQuestionId = trace.QuestionId, CreatedByRunId = a2qRun.Id, Text = "A loan of 400,000 at 5% simple interest: interest over 3 years?",
            ReferenceAnswer = "60000", TaskType = TaskType.Math, Difficulty = Difficulty.Medium, PassRate = 0.75, Perturbation = "number: 200000 → 400000",
            Language = "en", CreatedAt = DateTimeOffset.UtcNow,
        };
        var mined = new Question
        {
            Origin = QuestionOrigin.T2Q, ParentQuestionId = trace.QuestionId, ParentTraceId = trace.Id, CreatedByRunId = a2qRun.Id,
            Text = "True or false: simple interest is principal × rate × years.", ReferenceAnswer = "True", TaskType = TaskType.KnowledgeQa,
            KnowledgePoint = "Simple interest is principal × rate × years", Language = "en", CreatedAt = DateTimeOffset.UtcNow,
        };
        db.Questions.AddRange(variant, mined);
        await db.SaveChangesAsync();
        db.DerivedCandidates.AddRange(
            new DerivedCandidate
            {
                RunId = a2qRun.Id, Origin = QuestionOrigin.A2Q, ParentQuestionId = trace.QuestionId, Text = "The parent again", Status = DerivedStatus.Rejected,
                RejectReason = "identical-to-parent", RejectDetail = "proposal 2 is the parent question again after normalisation", RequestHash = "h1",
                CreatedAt = DateTimeOffset.UtcNow,
            },
            new DerivedCandidate
            {
                RunId = a2qRun.Id, Origin = QuestionOrigin.A2Q, ParentQuestionId = trace.QuestionId, Text = variant.Text, Status = DerivedStatus.Verified,
                QuestionId = variant.Id, Agreed = 3, Samples = 4, RequestHash = "h1", CreatedAt = DateTimeOffset.UtcNow,
            });
        await db.SaveChangesAsync();
        return (trace.Id, variant.Id, a2qRun.Id);
    }

    [Fact]
    public async Task Trace_page_shows_the_questions_children_with_their_perturbation_or_knowledge_point_and_rejected_proposals_with_reason()
    {
        TestCulture.Use("en");
        await using var host = await UiTestHost.CreateAsync(policies: ["Read"]);
        var (parentTrace, _, _) = await FamilyAsync(host);

        var cut = host.Context.Render<TraceView>(p => p.Add(x => x.Id, parentTrace));

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=lineage-child]").Count));
        var children = cut.FindAll("[data-testid=lineage-child]");
        Assert.Equal("A2Q", children[0].GetAttribute("data-origin"));
        Assert.Contains("number: 200000 → 400000", children[0].TextContent, StringComparison.Ordinal);
        Assert.Equal("T2Q", children[1].GetAttribute("data-origin"));
        Assert.Contains("Simple interest is principal × rate × years", cut.Find("[data-testid=lineage-point]").TextContent, StringComparison.Ordinal);
        var rejected = Assert.Single(cut.FindAll("[data-testid=lineage-rejected]"));
        Assert.Equal("identical-to-parent", rejected.GetAttribute("data-reason"));
        Assert.Contains("Identical to its parent", rejected.TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=lineage-parent]"));
    }

    [Fact]
    public async Task A_derived_questions_trace_shows_its_parent_and_what_was_changed()
    {
        TestCulture.Use("zh-CN");
        await using var host = await UiTestHost.CreateAsync(policies: ["Read"]);
        var (parentTrace, variant, runId) = await FamilyAsync(host);
        long variantTrace;
        await using (var db = await host.DbAsync())
        {
            var t = await db.Traces.FindAsync(parentTrace);
            var copy = new CotTrace
            {
                RunId = runId, QuestionId = variant, Status = TraceStatus.Succeeded, Reasoning = "r", Answer = "60000", RequestHash = "v1",
                SynthesizerName = t!.SynthesizerName, Model = t.Model, PromptTemplateId = t.PromptTemplateId, CreatedAt = DateTimeOffset.UtcNow,
            };
            db.Traces.Add(copy);
            await db.SaveChangesAsync();
            variantTrace = copy.Id;
        }

        var cut = host.Context.Render<TraceView>(p => p.Add(x => x.Id, variantTrace));

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=lineage-parent]")));
        Assert.Contains("题目谱系", cut.Find("[data-testid=question-lineage]").TextContent, StringComparison.Ordinal);
        Assert.Contains("number: 200000 → 400000", cut.Find("[data-testid=lineage-own-perturbation]").TextContent, StringComparison.Ordinal);
        Assert.Contains($"traces/{parentTrace}", cut.Find("[data-testid=lineage-parent] a").GetAttribute("href"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A2q_run_page_shows_proposed_verified_and_rejected_by_reason()
    {
        TestCulture.Use("en");
        await using var host = await UiTestHost.CreateAsync();
        var (_, _, runId) = await FamilyAsync(host);

        var cut = host.Context.Render<RunDetail>(p => p.Add(x => x.Id, runId));

        cut.WaitForAssertion(() => Assert.Equal("2", cut.Find("[data-testid=derived-proposed]").TextContent.Trim()));
        Assert.StartsWith("1", cut.Find("[data-testid=derived-verified]").TextContent.Trim(), StringComparison.Ordinal);
        Assert.EndsWith("1", cut.Find("[data-testid=derived-reason-identical-to-parent]").TextContent.Trim(), StringComparison.Ordinal);
        Assert.EndsWith("0", cut.Find("[data-testid=derived-reason-malformed-json]").TextContent.Trim(), StringComparison.Ordinal);
    }
}
