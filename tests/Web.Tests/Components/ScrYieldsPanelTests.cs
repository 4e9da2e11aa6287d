using Bunit;
using DeepFinance.Core.Data;
using DeepFinance.Core.Verification;
using DeepFinance.Web.Components.Pages.Operate;
using DeepFinance.Web.Tests.Localization;

namespace DeepFinance.Web.Tests.Components;

/// <summary>The scr run page's yields: failed traces in, verified by round, leak flags, review outcomes.</summary>
public sealed class ScrYieldsPanelTests
{
    [Fact]
    public async Task Scr_run_page_shows_failed_traces_in_fixes_by_round_leak_flags_and_review_outcomes()
    {
        TestCulture.Use("en");
        await using var host = await UiTestHost.CreateAsync();
        var sourceRun = await host.SeedRunWithTracesAsync(12);
        long scrRunId;
        await using (var db = await host.DbAsync())
        {
            var source = await db.Runs.FindAsync(sourceRun);
            var failed = db.Traces.Where(t => t.RunId == sourceRun && t.Verdict == Verdict.Incorrect).OrderBy(t => t.Id).ToList();
            Assert.Equal(4, failed.Count);
            var run = new Run
            {
                Kind = "scr", Status = RunStatus.Completed, SynthesizerName = "simulator", Model = "simulator", PromptTemplateId = source!.PromptTemplateId,
                SamplingSalt = "", ParametersJson = "{}", SpecJson = $"{{\"sourceRunId\":{sourceRun},\"maxRounds\":2}}", Total = 4, Done = 4,
                CreatedAt = DateTimeOffset.UtcNow,
            };
            db.Runs.Add(run);
            await db.SaveChangesAsync();
            scrRunId = run.Id;
            // Item 0 fixed in round 1 (leaky), item 1 in round 2, items 2 and 3 wrong after both rounds.
            Verdict?[][] outcomes = [[Verdict.Correct], [Verdict.Incorrect, Verdict.Correct], [Verdict.Incorrect, Verdict.Incorrect], [Verdict.Incorrect, Verdict.Incorrect]];
            for (var i = 0; i < failed.Count; i++)
            {
                var item = new RunItem { RunId = run.Id, Key = failed[i].Id.ToString(System.Globalization.CultureInfo.InvariantCulture), SubjectId = failed[i].Id, Status = RunItemStatus.Done };
                db.RunItems.Add(item);
                await db.SaveChangesAsync();
                var parent = failed[i].Id;
                for (var r = 0; r < outcomes[i].Length; r++)
                {
                    var trace = new CotTrace
                    {
                        RunId = run.Id, RunItemId = item.Id, QuestionId = failed[i].QuestionId, Round = r + 1, ParentTraceId = parent,
                        Status = TraceStatus.Succeeded, Reflection = "Step 3 looks off.", Reasoning = "Again.", Answer = "x", Verdict = outcomes[i][r],
                        LeakHits = i == 0 ? """["ground truth"]""" : null, RequestHash = $"scr-{i}-{r}", SynthesizerName = "simulator", Model = "simulator",
                        CreatedAt = DateTimeOffset.UtcNow,
                    };
                    db.Traces.Add(trace);
                    await db.SaveChangesAsync();
                    parent = trace.Id;
                    if (trace.Verdict == Verdict.Correct)
                    {
                        db.Reviews.Add(new DeepFinance.Core.Data.Review
                        {
                            RunId = run.Id, QuestionId = trace.QuestionId, OriginalTraceId = failed[i].Id, RewriteTraceId = trace.Id, Rounds = r + 1,
                            LeakFlag = i == 0, Status = i == 0 ? ReviewStatus.Rejected : ReviewStatus.Accepted, Version = 2, CreatedAt = DateTimeOffset.UtcNow,
                        });
                        await db.SaveChangesAsync();
                    }
                }
            }
        }

        var cut = host.Context.Render<RunDetail>(p => p.Add(x => x.Id, scrRunId));

        cut.WaitForAssertion(() => Assert.Equal("4", cut.Find("[data-testid=scr-failed-in]").TextContent.Trim()));
        var rounds = cut.FindAll("[data-testid=scr-fixed-round]").Select(r => r.TextContent.Trim()).ToList();
        Assert.Equal(2, rounds.Count);
        Assert.Contains("Verified in round 1", rounds[0], StringComparison.Ordinal);
        Assert.EndsWith("1", rounds[0], StringComparison.Ordinal);
        Assert.Contains("Verified in round 2", rounds[1], StringComparison.Ordinal);
        Assert.StartsWith("2", cut.Find("[data-testid=scr-fixed]").TextContent.Trim(), StringComparison.Ordinal);
        Assert.Contains("50", cut.Find("[data-testid=scr-fixed]").TextContent, StringComparison.Ordinal);
        Assert.Equal("2", cut.Find("[data-testid=scr-still-wrong]").TextContent.Trim());
        Assert.Equal("1", cut.Find("[data-testid=scr-leak-rounds]").TextContent.Trim());
        Assert.Equal("1", cut.Find("[data-testid=scr-leak-reviews]").TextContent.Trim());
        Assert.EndsWith("1", cut.Find("[data-testid=scr-review-accepted]").TextContent.Trim(), StringComparison.Ordinal);
        Assert.EndsWith("1", cut.Find("[data-testid=scr-review-rejected]").TextContent.Trim(), StringComparison.Ordinal);
        Assert.EndsWith("0", cut.Find("[data-testid=scr-review-pending]").TextContent.Trim(), StringComparison.Ordinal);
        // The chart is drawn too.
        Assert.NotEmpty(cut.FindAll("[data-testid=scr-yields] svg"));
    }
}
