using Bunit;
using DeepFinance.Web.Components.Layout;

using DeepFinance.Web.Tests.Localization;

namespace DeepFinance.Web.Tests.Components;

public sealed class NavMenuTests
{
    [Fact]
    public async Task A_reader_sees_dashboard_and_traces_but_no_operate_links()
    {
        TestCulture.Use("en");
        await using var host = await UiTestHost.CreateAsync("expert@test", "Read");

        var cut = host.Context.Render<NavMenu>();

        var links = cut.FindAll("a").Select(a => a.GetAttribute("href")).ToList();
        Assert.Contains("traces", links);
        Assert.DoesNotContain("operate/seeds", links);
        Assert.DoesNotContain("operate/releases", links);
        Assert.DoesNotContain("hangfire", links);
    }

    [Fact]
    public async Task An_operator_sees_seed_sources_launch_runs_and_hangfire()
    {
        TestCulture.Use("en");
        await using var host = await UiTestHost.CreateAsync("operator@test", "Read", "Operate");

        var cut = host.Context.Render<NavMenu>();

        var links = cut.FindAll("a").Select(a => a.GetAttribute("href")).ToList();
        Assert.Contains("operate/seeds", links);
        Assert.Contains("operate/runs/new", links);
        Assert.Contains("operate/runs", links);
        Assert.Contains("hangfire", links);
        Assert.Contains("traces", links);
        Assert.Contains("operate/releases", links);
    }

    [Fact]
    public async Task An_expert_sees_the_annotation_queue_and_import_but_no_review_or_admin_links()
    {
        TestCulture.Use("en");
        await using var host = await UiTestHost.CreateAsync("expert@test", "Read", "Annotate");

        var cut = host.Context.Render<NavMenu>();

        var links = cut.FindAll("a").Select(a => a.GetAttribute("href")).ToList();
        Assert.Contains("annotate", links);
        Assert.Contains("annotate/import", links);
        Assert.DoesNotContain("review", links);
        Assert.DoesNotContain("admin/annotation", links);
    }
}
