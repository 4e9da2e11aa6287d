using Bunit;
using DeepFinance.Core.Data;
using DeepFinance.Core.Runs;
using DeepFinance.Web.Components.Pages.Operate;
using DeepFinance.Web.Tests.Localization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Web.Tests.Components;

/// <summary>The split run page: progress shown, buttons per RunStateRules, updates pushed by the notifier, no subscription left behind.</summary>
public sealed class RunPagePartsTests
{
    public static TheoryData<RunStatus> Statuses => new(Enum.GetValues<RunStatus>());

    [Theory]
    [MemberData(nameof(Statuses))]
    public async Task Buttons_follow_the_transition_table(RunStatus status)
    {
        TestCulture.Use("en");
        await using var host = await UiTestHost.CreateAsync();
        var runId = await host.SeedRunWithTracesAsync(3, status: status);

        var cut = host.Context.Render<RunDetail>(p => p.Add(x => x.Id, runId));

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=run-done]")));
        Assert.Equal(RunStateRules.Allows(RunAction.Cancel, status), cut.FindAll("[data-testid=run-cancel]").Count == 1);
        Assert.Equal(RunStateRules.Allows(RunAction.Resume, status), cut.FindAll("[data-testid=run-resume]").Count == 1);
        Assert.Equal(RunStateRules.Allows(RunAction.Reverify, status), cut.FindAll("[data-testid=run-reverify]").Count == 1);
    }

    [Fact]
    public async Task A_paused_run_can_be_cancelled_and_resumed_but_not_reverified()
    {
        TestCulture.Use("en");
        await using var host = await UiTestHost.CreateAsync();
        var runId = await host.SeedRunWithTracesAsync(3, status: RunStatus.Paused);

        var cut = host.Context.Render<RunDetail>(p => p.Add(x => x.Id, runId));

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=run-cancel]")));
        Assert.NotNull(cut.Find("[data-testid=run-resume]"));
        Assert.Empty(cut.FindAll("[data-testid=run-reverify]"));
    }

    [Fact]
    public async Task Progress_updates_when_the_notifier_fires_and_the_page_unsubscribes_on_dispose()
    {
        TestCulture.Use("en");
        await using var host = await UiTestHost.CreateAsync();
        var runId = await host.SeedRunWithTracesAsync(4, status: RunStatus.Running);
        await using (var db = await host.DbAsync())
        {
            await db.Runs.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s.SetProperty(r => r.Total, 10).SetProperty(r => r.Done, 4));
        }
        var notifier = host.Services.GetRequiredService<RunProgressNotifier>();

        var cut = host.Context.Render<RunDetail>(p => p.Add(x => x.Id, runId));
        cut.WaitForAssertion(() => Assert.Equal("4 / 10", cut.Find("[data-testid=run-done]").TextContent.Trim()));
        Assert.Equal(1, notifier.SubscriberCount(runId));

        // Another worker in this process commits: counters move, then it notifies. Well inside the 5 s fallback.
        await using (var db = await host.DbAsync())
        {
            await db.Runs.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s.SetProperty(r => r.Done, 9).SetProperty(r => r.Status, RunStatus.Completed));
        }
        notifier.RunChanged(runId);
        cut.WaitForAssertion(() => Assert.Equal("9 / 10", cut.Find("[data-testid=run-done]").TextContent.Trim()), TimeSpan.FromSeconds(3));
        // Completed: cancel gone, re-verify offered, without a reload of the page.
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=run-cancel]")));
        Assert.NotNull(cut.Find("[data-testid=run-reverify]"));

        await host.Context.DisposeComponentsAsync();
        Assert.Equal(0, notifier.SubscriberCount(runId));
    }
}
