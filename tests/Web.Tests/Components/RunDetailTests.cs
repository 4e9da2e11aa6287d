using Bunit;
using DeepFinance.Core.Data;
using DeepFinance.Web.Components.Pages.Operate;
using DeepFinance.Web.Jobs;
using DeepFinance.Web.Tests.Localization;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Web.Tests.Components;

public sealed class RunDetailTests
{
    [Fact]
    public async Task Shows_pass_rate_by_task_type_and_difficulty_counted_from_the_database()
    {
        TestCulture.Use("en");
        await using var host = await UiTestHost.CreateAsync();
        // 12 traces over 6 questions, one per task type; verdicts cycle correct, incorrect, unverifiable.
        var runId = await host.SeedRunWithTracesAsync(12);
        await using (var db = await host.DbAsync())
        {
            var first = await db.Traces.Where(t => t.RunId == runId).OrderBy(t => t.Id).Select(t => t.QuestionId).FirstAsync();
            await db.Questions.Where(q => q.Id == first).ExecuteUpdateAsync(s => s.SetProperty(q => q.Difficulty, Difficulty.Hard));
        }

        var cut = host.Context.Render<RunDetail>(p => p.Add(x => x.Id, runId));

        cut.WaitForAssertion(() => Assert.Equal(6, cut.FindAll("[data-testid=pass-rate-task-type-row]").Count));
        var section = cut.Find("[data-testid=pass-rate-task-type]");
        Assert.Contains("Pass rate by task type", section.TextContent, StringComparison.Ordinal);
        Assert.Contains("Math", section.TextContent, StringComparison.Ordinal);
        // First question: one correct, one incorrect; second: unverifiable and correct; third: incorrect and unverifiable.
        var rates = cut.FindAll("[data-testid=pass-rate-task-type-row]").Select(r => r.Children[1].TextContent.Trim()).ToList();
        Assert.Equal(["50.0%", "100.0%", "0.0%", "50.0%", "100.0%", "0.0%"], rates);
        Assert.NotNull(section.QuerySelector("svg"));
        var difficultyRows = cut.FindAll("[data-testid=pass-rate-difficulty-row]").Select(r => (r.Children[0].TextContent.Trim(), r.Children[1].TextContent.Trim())).ToList();
        Assert.Equal([("hard", "50.0%"), ("Unknown", "50.0%")], difficultyRows);
    }

    [Fact]
    public async Task Reverify_opens_a_form_and_enqueues_the_job_with_the_tolerance()
    {
        TestCulture.Use("en");
        await using var host = await UiTestHost.CreateAsync();
        var runId = await host.SeedRunWithTracesAsync(4);

        var cut = host.Context.Render<RunDetail>(p => p.Add(x => x.Id, runId));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=run-reverify]")));
        Assert.Contains("No re-verifications yet.", cut.Find("[data-testid=reverifications]").TextContent, StringComparison.Ordinal);

        await cut.InvokeAsync(() => cut.Find("[data-testid=run-reverify]").Click());
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=reverify-form]")));
        (cut.FindAll("input[data-testid=reverify-tolerance]").FirstOrDefault() ?? cut.Find("[data-testid=reverify-tolerance] input")).Change("0.2");
        await cut.InvokeAsync(() => cut.Find("[data-testid=reverify-start]").Click());

        cut.WaitForAssertion(() => Assert.Single(host.JobClient.Jobs));
        var job = host.JobClient.Jobs[0];
        Assert.Equal(nameof(RunJobs.ReverifyAsync), job.Method.Name);
        Assert.Equal(runId, (long)job.Args[0]);
        Assert.Equal(0.2, (double?)job.Args[1]);
        Assert.Null(job.Args[2]);
        Assert.NotNull(cut.Find("[data-testid=reverify-pending]"));
    }
}
