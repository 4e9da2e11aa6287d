using Bunit;
using DeepFinance.Core.Data;
using DeepFinance.Core.Release;
using DeepFinance.Tests.Support;
using DeepFinance.Web.Components.Pages.Operate;
using DeepFinance.Web.Tests.Components;
using DeepFinance.Web.Tests.Localization;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using ReleasesPage = DeepFinance.Web.Components.Pages.Operate.Releases;

namespace DeepFinance.Web.Tests.Releases;

/// <summary>The Releases list with its cut dialog, and a release's page with statistics, exclusions and PII hits fixed and waived.</summary>
public sealed class ReleasePagesTests
{
    private static ReleaseFixture Data(UiTestHost host) => new(host.Services.GetRequiredService<IDbContextFactory<DeepFinanceDbContext>>());

    [Fact]
    public async Task The_cut_dialog_freezes_a_release_refuses_a_used_version_by_name_and_the_list_shows_it_ready()
    {
        TestCulture.Use("en");
        await using var host = await UiTestHost.CreateAsync();
        await Data(host).DemoAsync();
        var dialogs = host.Context.Render<MudDialogProvider>();
        var cut = host.Context.Render<ReleasesPage>();
        cut.WaitForAssertion(() => Assert.Contains("No releases yet", cut.Find("[data-testid=release-grid]").TextContent, StringComparison.Ordinal));

        cut.Find("button[data-testid=release-new]").Click();
        dialogs.WaitForAssertion(() => Assert.NotNull(dialogs.Find("input[data-testid=release-version]")));
        dialogs.Find("input[data-testid=release-version]").Change("demo-1.0");
        dialogs.Find("input[data-testid=release-title]").Change("Demo");
        dialogs.Find("button[data-testid=release-submit]").Click();

        var navigation = host.Services.GetRequiredService<NavigationManager>();
        cut.WaitForAssertion(() => Assert.Matches("operate/releases/[0-9]+$", navigation.Uri));
        await using (var db = await host.DbAsync())
        {
            var release = await db.Releases.SingleAsync();
            Assert.Equal(("demo-1.0", ReleaseStatus.Ready, 6), (release.Version, release.Status, release.TraceCount));
            Assert.Equal(6, await db.ReleaseItems.CountAsync(i => i.ReleaseId == release.Id));
        }

        cut.Find("button[data-testid=release-new]").Click();
        dialogs.WaitForAssertion(() => Assert.NotNull(dialogs.Find("input[data-testid=release-version]")));
        dialogs.Find("input[data-testid=release-version]").Change("demo-1.0");
        dialogs.Find("button[data-testid=release-submit]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("'demo-1.0' already exists", dialogs.Find("[data-testid=release-error]").TextContent, StringComparison.Ordinal));

        var list = host.Context.Render<ReleasesPage>();
        list.WaitForAssertion(() =>
        {
            var row = list.FindAll("[data-testid=release-grid] tbody tr").Single(r => r.TextContent.Contains("demo-1.0", StringComparison.Ordinal));
            Assert.Equal("ready", row.QuerySelector("[data-status]")!.GetAttribute("data-status"));
            Assert.Contains("Demo", row.TextContent, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task A_blocked_release_shows_its_hits_masked_in_context_and_a_fix_by_key_and_a_waiver_make_it_ready()
    {
        TestCulture.Use("en");
        await using var host = await UiTestHost.CreateAsync();
        var data = Data(host);
        var demo = await data.DemoAsync();
        var q = await data.QuestionAsync("How is a monthly loan payment computed?");
        await data.TraceAsync(demo.RunId, q, reasoning: "The client on 13912345678, ID 11010519491231002X, asked; take the principal, the monthly rate and the number of months, then use the annuity formula.");
        var release = await host.Services.GetRequiredService<ReleaseBuilder>()
            .CutAsync(new ReleaseRequest("pii-1", null, "Blocked on purpose.", new ReleaseSelection()), "operator@test");
        Assert.Equal(ReleaseStatus.Blocked, release.Status);
        var dialogs = host.Context.Render<MudDialogProvider>();

        var cut = host.Context.Render<ReleaseDetail>(p => p.Add(x => x.Id, release.Id));

        cut.WaitForAssertion(() =>
        {
            Assert.Equal("blocked", cut.Find("[data-testid=release-status]").GetAttribute("data-status"));
            Assert.Contains("Export is blocked: 2", cut.Find("[data-testid=release-export]").TextContent, StringComparison.Ordinal);
            Assert.Empty(cut.FindAll("[data-testid=release-downloads]"));
            Assert.Equal("7", cut.Find("[data-testid=count-traces]").TextContent.Trim());
            Assert.Contains("Duplicate: 1", cut.Find("[data-testid=reason-duplicate]").TextContent, StringComparison.Ordinal);
            Assert.Contains("Blocked on purpose.", cut.Find("[data-testid=release-changelog]").TextContent, StringComparison.Ordinal);
            Assert.NotEmpty(cut.FindAll("[data-testid=chart-task-type] svg"));
            var contexts = cut.FindAll("[data-testid=pii-context]").Select(c => c.TextContent).ToList();
            Assert.Equal(2, contexts.Count);
            Assert.All(contexts, c => Assert.DoesNotContain("13912345678", c, StringComparison.Ordinal));
            Assert.All(contexts, c => Assert.Contains("asked", c, StringComparison.Ordinal));
        });

        cut.Find("[data-testid=pii-keys]").KeyDown("f");
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=pii-context]")));
        Assert.Equal("blocked", cut.Find("[data-testid=release-status]").GetAttribute("data-status"));

        cut.Find("button[data-testid=pii-waive]").Click();
        dialogs.WaitForAssertion(() => Assert.NotNull(dialogs.Find("textarea[data-testid=waive-reason]")));
        dialogs.Find("textarea[data-testid=waive-reason]").Input("A published specimen number.");
        dialogs.Find("button[data-testid=waive-submit]").Click();

        cut.WaitForAssertion(() =>
        {
            Assert.Equal("ready", cut.Find("[data-testid=release-status]").GetAttribute("data-status"));
            Assert.Contains("can be exported", cut.Find("[data-testid=release-export]").TextContent, StringComparison.Ordinal);
            Assert.Empty(cut.FindAll("button[data-testid=pii-fix]"));
        });
        // Once ready, the page offers the download the API serves: every format in a zip, or one file.
        Assert.Equal($"api/v1/releases/{release.Id}/export?format=all", cut.Find("[data-testid=download-all]").GetAttribute("href"));
        Assert.Equal($"api/v1/releases/{release.Id}/export?format=parquet", cut.Find("[data-testid=download-parquet]").GetAttribute("href"));
        Assert.Equal("data.parquet", cut.Find("[data-testid=download-parquet]").GetAttribute("download"));
        await using var db = await host.DbAsync();
        Assert.Equal([PiiHitStatus.Fixed, PiiHitStatus.Waived], await db.ReleasePiiHits.OrderBy(h => h.Status).Select(h => h.Status).ToListAsync());
        Assert.Equal("operator@test", (await db.ReleasePiiHits.SingleAsync(h => h.Status == PiiHitStatus.Waived)).ResolvedBy);
    }

    [Fact]
    public async Task The_release_pages_speak_chinese()
    {
        TestCulture.Use("zh-CN");
        await using var host = await UiTestHost.CreateAsync();
        var cut = host.Context.Render<ReleasesPage>();
        cut.WaitForAssertion(() => Assert.Contains("数据集版本", cut.Find("h4").TextContent, StringComparison.Ordinal));
        Assert.Contains("生成版本", cut.Find("button[data-testid=release-new]").TextContent, StringComparison.Ordinal);
    }
}
