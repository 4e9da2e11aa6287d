using Bunit;
using DeepFinance.Core.Data;
using DeepFinance.Core.Extraction;
using DeepFinance.Core.Ingest;
using DeepFinance.Core.Verification;
using DeepFinance.Web.Components.Pages.Operate;
using DeepFinance.Web.Components.Pages.Questions;
using DeepFinance.Web.Hosting;
using DeepFinance.Web.Tests.Localization;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Web.Tests.Components;

/// <summary>The question browser, the lineage page and the knowledge-point pages on the demo corpus; the yields chart on the run page.</summary>
public sealed class QuestionPagesTests
{
    private sealed record Family(long Seed, long Variant, long Mined, long Trace, long PointId, int DemoCount);

    /// <summary>
    /// The demo corpus imported and curated (Q2A), its first question sampled once (correct), with an A2Q variant (number 100000 → 200000),
    /// a T2Q question mined from its trace on a merged knowledge point, and a rejected proposal.
    /// </summary>
    private static async Task<Family> DemoFamilyAsync(UiTestHost host)
    {
        var file = FirstStart.DemoCorpusPath(new ConfigurationBuilder().Build());
        Assert.NotNull(file);
        long sourceId;
        await using (var stream = File.OpenRead(file))
        {
            var imported = await host.Services.GetRequiredService<SeedImporter>().ImportAsync(stream, "seed-demo.jsonl", "Demo corpus", "test");
            Assert.True(imported.Succeeded, string.Join("; ", imported.Errors));
            sourceId = imported.SourceId!.Value;
        }
        var q2aRun = await host.SeedRunWithTracesAsync(0);
        var demoCount = await host.Services.GetRequiredService<Q2aCurator>().CurateAsync(sourceId, q2aRun, CancellationToken.None);
        await using var db = await host.DbAsync();
        var seedItem = await db.SeedItems.SingleAsync(i => i.SeedSourceId == sourceId && i.ExternalId == "demo-001");
        var seed = await db.Questions.SingleAsync(q => q.SeedItemId == seedItem.Id);
        var run = await db.Runs.FindAsync(q2aRun);
        var trace = new CotTrace
        {
            RunId = q2aRun, QuestionId = seed.Id, Status = TraceStatus.Succeeded, Reasoning = "F = P × (1 + r)^n", Answer = "118768.63", Verdict = Verdict.Correct,
            RequestHash = "demo-1", SynthesizerName = "simulator", Model = "simulator", PromptTemplateId = run!.PromptTemplateId, CreatedAt = DateTimeOffset.UtcNow,
        };
        var derivedRun = new Run
        {
            Kind = "a2q", Status = RunStatus.Completed, SynthesizerName = "simulator", Model = "simulator", PromptTemplateId = run.PromptTemplateId,
            SamplingSalt = "", ParametersJson = "{}", CreatedAt = DateTimeOffset.UtcNow,
        };
        db.AddRange(trace, derivedRun);
        await db.SaveChangesAsync();
        var point = new KnowledgePoint
        {
            Key = "compound amount", Text = "Compound amount F = P × (1 + r)^n", Kind = KnowledgePointKind.Formula, FirstRunId = derivedRun.Id, Mentions = 1,
            FirstSeenAt = DateTimeOffset.UtcNow,
        };
        db.KnowledgePoints.Add(point);
        await db.SaveChangesAsync();
        db.KnowledgePointTraces.Add(new KnowledgePointTrace { KnowledgePointId = point.Id, TraceId = trace.Id, RunId = derivedRun.Id, Statement = point.Text, MinedAt = DateTimeOffset.UtcNow });
        var variant = new Question
        {
            Origin = QuestionOrigin.A2Q, ParentQuestionId = seed.Id, CreatedByRunId = derivedRun.Id, Language = "zh", CreatedAt = DateTimeOffset.UtcNow,
            Text = "某客户将200000元存入一款按年复利计息的产品，年利率为3.5%，存期5年。到期时本息和为多少元？", ReferenceAnswer = "237537.26",
            TaskType = TaskType.Math, Difficulty = Difficulty.Medium, Perturbation = "number: 100000 → 200000",
        };
        var mined = new Question
        {
            Origin = QuestionOrigin.T2Q, ParentQuestionId = seed.Id, ParentTraceId = trace.Id, CreatedByRunId = derivedRun.Id, Language = "zh",
            CreatedAt = DateTimeOffset.UtcNow, Text = "判断对错：按年复利时，本息和等于本金乘以（1+年利率）的年数次方。", ReferenceAnswer = "正确",
            TaskType = TaskType.KnowledgeQa, Difficulty = Difficulty.Simple, KnowledgePoint = point.Text, KnowledgePointId = point.Id,
        };
        db.Questions.AddRange(variant, mined);
        await db.SaveChangesAsync();
        db.DerivedCandidates.AddRange(
            new DerivedCandidate
            {
                RunId = derivedRun.Id, Origin = QuestionOrigin.A2Q, ParentQuestionId = seed.Id, Text = variant.Text, Answer = "237537.26", Status = DerivedStatus.Verified,
                PerturbationKind = "number", PerturbationBefore = "100000", PerturbationAfter = "200000", QuestionId = variant.Id, Agreed = 3, Samples = 4,
                RequestHash = "d1", CreatedAt = DateTimeOffset.UtcNow,
            },
            new DerivedCandidate
            {
                RunId = derivedRun.Id, Origin = QuestionOrigin.A2Q, ParentQuestionId = seed.Id, Index = 1, Text = seed.Text, Status = DerivedStatus.Rejected,
                PerturbationKind = "condition", RejectReason = RejectReasons.IdenticalToParent,
                RejectDetail = "proposal 2 is the parent question again after normalisation", RequestHash = "d1", CreatedAt = DateTimeOffset.UtcNow,
            });
        await db.SaveChangesAsync();
        return new Family(seed.Id, variant.Id, mined.Id, trace.Id, point.Id, demoCount);
    }

    [Fact]
    public async Task Lineage_page_shows_a_demo_question_with_its_variant_and_mined_child_their_perturbation_and_point_and_the_rejected_proposal()
    {
        TestCulture.Use("en");
        await using var host = await UiTestHost.CreateAsync(policies: ["Read"]);
        var f = await DemoFamilyAsync(host);

        var cut = host.Context.Render<QuestionView>(p => p.Add(x => x.Id, f.Seed));

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=question-child]").Count));
        Assert.Contains("按年复利计息", cut.Find("[data-testid=question-text]").TextContent, StringComparison.Ordinal);
        Assert.Equal("118768.63元", cut.Find("[data-testid=question-reference]").TextContent.Trim());
        Assert.Contains("\"Demo corpus\", line 1 (id demo-001)", cut.Find("[data-testid=question-source]").TextContent, StringComparison.Ordinal);
        Assert.Equal("verified", cut.Find("[data-testid=question-detail]").ParentElement!.ParentElement!.ParentElement!
            .QuerySelector("[data-status]")?.GetAttribute("data-status") ?? cut.Find("[data-status]").GetAttribute("data-status"));
        Assert.Contains("A seed", cut.Find("[data-testid=question-parent-section]").TextContent, StringComparison.Ordinal);
        // Task type and difficulty read-only in the classification spot another component mounts into.
        Assert.Contains("Math", cut.Find("div.question-classification [data-testid=question-task-type]").TextContent, StringComparison.Ordinal);

        var children = cut.FindAll("[data-testid=question-child]");
        Assert.Equal("A2Q", children[0].GetAttribute("data-origin"));
        var perturbation = children[0].QuerySelector("[data-testid=child-perturbation]")!;
        Assert.Equal("number", perturbation.GetAttribute("data-kind"));
        Assert.Contains("number: 100000 → 200000", perturbation.TextContent, StringComparison.Ordinal);
        Assert.Equal($"questions/{f.Variant}", children[0].QuerySelector("[data-testid=lineage-link]")!.GetAttribute("href"));
        Assert.Equal("T2Q", children[1].GetAttribute("data-origin"));
        var point = children[1].QuerySelector("[data-testid=child-point]")!;
        Assert.Contains("Compound amount F = P × (1 + r)^n", point.TextContent, StringComparison.Ordinal);
        Assert.Contains(point.QuerySelectorAll("a"), a => a.GetAttribute("href") == $"knowledge-points/{f.PointId}");
        Assert.Contains(point.QuerySelectorAll("a"), a => a.GetAttribute("href") == $"traces/{f.Trace}");

        var rejected = Assert.Single(cut.FindAll("[data-testid=question-rejected]"));
        Assert.Equal("identical-to-parent", rejected.GetAttribute("data-reason"));
        Assert.Contains("Identical to its parent", rejected.TextContent, StringComparison.Ordinal);
        Assert.Contains("proposal 2 is the parent question again", rejected.TextContent, StringComparison.Ordinal);
        Assert.Equal($"traces/{f.Trace}", Assert.Single(cut.FindAll("[data-testid=question-trace] a")).GetAttribute("href"));
    }

    [Fact]
    public async Task Walking_to_a_variant_shows_its_parent_link_and_what_was_changed_and_an_unknown_id_says_so()
    {
        TestCulture.Use("zh-CN");
        await using var host = await UiTestHost.CreateAsync(policies: ["Read"]);
        var f = await DemoFamilyAsync(host);

        var cut = host.Context.Render<QuestionView>(p => p.Add(x => x.Id, f.Variant));

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=question-parent]")));
        Assert.Equal($"questions/{f.Seed}", cut.Find("[data-testid=question-parent] [data-testid=lineage-link]").GetAttribute("href"));
        Assert.Contains("number: 100000 → 200000", cut.Find("[data-testid=question-perturbation]").TextContent, StringComparison.Ordinal);
        Assert.Contains("由父题派生", cut.Find("[data-testid=question-source]").TextContent, StringComparison.Ordinal);
        Assert.Contains("尚无 A2Q 变体", cut.Find("[data-testid=question-children-section]").TextContent, StringComparison.Ordinal);
        Assert.Equal("pending", cut.Find("[data-status]").GetAttribute("data-status"));

        cut.Render(p => p.Add(x => x.Id, 999_999));
        cut.WaitForAssertion(() => Assert.Contains("999999", cut.Find("[data-testid=question-not-found]").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Question_browser_lists_the_demo_corpus_and_filters_by_origin_from_the_address()
    {
        TestCulture.Use("en");
        await using var host = await UiTestHost.CreateAsync(policies: ["Read"]);
        var f = await DemoFamilyAsync(host);

        var all = host.Context.Render<Questions>();
        all.WaitForAssertion(() => Assert.Equal($"{f.DemoCount + 2} questions", all.Find("[data-testid=question-total]").TextContent.Trim()));
        // Newest first, one page of 50 on the server: the curated demo questions are not sampled yet, so they wait for verification.
        Assert.Equal(Math.Min(50, f.DemoCount + 2), all.FindAll("[data-testid=question-text]").Count);
        Assert.NotEmpty(all.FindAll("[data-status=pending]"));

        host.Services.GetRequiredService<NavigationManager>().NavigateTo("questions?origin=T2Q");
        var mined = host.Context.Render<Questions>();
        mined.WaitForAssertion(() => Assert.Equal("1 questions", mined.Find("[data-testid=question-total]").TextContent.Trim()));
        Assert.Contains("本息和等于本金", mined.Find("[data-testid=question-text]").TextContent, StringComparison.Ordinal);
        Assert.Equal("T2Q", mined.Find("[data-origin]").GetAttribute("data-origin"));
    }

    [Fact]
    public async Task Knowledge_point_pages_show_counts_the_traces_a_point_came_from_and_the_questions_it_produced()
    {
        TestCulture.Use("en");
        await using var host = await UiTestHost.CreateAsync(policies: ["Read"]);
        var f = await DemoFamilyAsync(host);

        var list = host.Context.Render<KnowledgePoints>();
        list.WaitForAssertion(() => Assert.Equal("1", list.Find("[data-testid=point-traces]").TextContent.Trim()));
        Assert.Equal("1", list.Find("[data-testid=point-questions]").TextContent.Trim());
        Assert.Equal("Formula", list.Find("[data-kind]").GetAttribute("data-kind"));

        var view = host.Context.Render<KnowledgePointView>(p => p.Add(x => x.Id, f.PointId));
        view.WaitForAssertion(() => Assert.Single(view.FindAll("[data-testid=point-source]")));
        var source = view.Find("[data-testid=point-source]");
        Assert.Contains(source.QuerySelectorAll("a"), a => a.GetAttribute("href") == $"traces/{f.Trace}");
        Assert.Contains(source.QuerySelectorAll("a"), a => a.GetAttribute("href") == $"questions/{f.Seed}");
        var produced = Assert.Single(view.FindAll("[data-testid=point-question]"));
        Assert.Equal($"questions/{f.Mined}", produced.QuerySelector("a")!.GetAttribute("href"));
        Assert.Contains("Mined from 1 traces; produced 1 questions", view.Find("[data-testid=point-detail]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_page_draws_yields_as_a_chart_for_any_kind_with_yields_and_none_for_a_sampling_run()
    {
        TestCulture.Use("en");
        await using var host = await UiTestHost.CreateAsync();
        var q2aRun = await host.SeedRunWithTracesAsync(2);
        long extractRun;
        await using (var db = await host.DbAsync())
        {
            var q = await db.Questions.OrderBy(x => x.Id).FirstAsync();
            var run = new Run
            {
                Kind = "extract", Status = RunStatus.Completed, SynthesizerName = "simulator", Model = "simulator", SamplingSalt = "", ParametersJson = "{}",
                CreatedAt = DateTimeOffset.UtcNow,
            };
            db.Runs.Add(run);
            await db.SaveChangesAsync();
            extractRun = run.Id;
            DerivedCandidate Candidate(DerivedStatus status, string? reason) => new()
            {
                RunId = run.Id, Origin = QuestionOrigin.Q2A, ParentQuestionId = q.Id, Status = status, RejectReason = reason, RequestHash = "x",
                CreatedAt = DateTimeOffset.UtcNow,
            };
            db.DerivedCandidates.AddRange(Candidate(DerivedStatus.Verified, null), Candidate(DerivedStatus.Verified, null), Candidate(DerivedStatus.Verified, null),
                Candidate(DerivedStatus.Rejected, RejectReasons.Disagreement), Candidate(DerivedStatus.Rejected, RejectReasons.MalformedJson));
            await db.SaveChangesAsync();
        }

        var cut = host.Context.Render<RunDetail>(p => p.Add(x => x.Id, extractRun));

        cut.WaitForAssertion(() => Assert.Equal("5", cut.Find("[data-testid=derived-proposed]").TextContent.Trim()));
        var chart = cut.Find("[data-testid=derived-yields-chart]");
        var text = chart.TextContent;
        foreach (var label in new[] { "Proposed", "Verified" })
        {
            Assert.Contains(label, text, StringComparison.Ordinal);
        }
        // One bar per label (proposed, verified, each reject reason), each as tall as its count: proposed 5 is the tallest, verified 3 next.
        var bars = chart.QuerySelectorAll("path.mud-chart-bar");
        Assert.Equal(2 + RejectReasons.All.Count, bars.Length);
        var heights = bars.Select(Height).ToList();
        Assert.True(heights[0] > heights[1] && heights[1] > heights.Skip(2).Max(), string.Join(", ", heights));

        var sampling = host.Context.Render<RunDetail>(p => p.Add(x => x.Id, q2aRun));
        sampling.WaitForAssertion(() => Assert.NotEmpty(sampling.FindAll("[data-testid=run-progress], .mud-paper")));
        Assert.Empty(sampling.FindAll("[data-testid=derived-yields]"));
    }

    /// <summary>The height of a bar drawn as an SVG path "M x y1 L x y2 …": the span of its y coordinates.</summary>
    private static double Height(AngleSharp.Dom.IElement bar)
    {
        var numbers = System.Text.RegularExpressions.Regex.Matches(bar.GetAttribute("d") ?? "", @"-?\d+(\.\d+)?")
            .Select(m => double.Parse(m.Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var ys = numbers.Where((_, i) => i % 2 == 1).ToList();
        return ys.Count == 0 ? 0 : ys.Max() - ys.Min();
    }
}
