using Bunit;
using DeepFinance.Core.Verification;
using DeepFinance.Web.Components.Common;
using Microsoft.EntityFrameworkCore;
using MudBlazor;

using DeepFinance.Web.Tests.Localization;

namespace DeepFinance.Web.Tests.Components;

public sealed class TraceGridTests
{
    private static IReadOnlyList<AngleSharp.Dom.IElement> Rows(IRenderedComponent<TraceGrid> cut) =>
        cut.FindAll("table tbody tr").Where(r => r.QuerySelector("[data-verdict]") is not null).ToList();

    [Fact]
    public async Task Shows_first_page_of_50_of_60()
    {
        TestCulture.Use("en");
        await using var host = await UiTestHost.CreateAsync();
        await host.SeedRunWithTracesAsync(60);

        var cut = host.Context.Render<TraceGrid>();

        cut.WaitForAssertion(() => Assert.Equal(50, Rows(cut).Count));
        Assert.Contains("60 traces", cut.Find("[data-testid=trace-total]").TextContent, StringComparison.Ordinal);
        Assert.Contains("1-50 of 60", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Filtering_by_verdict_incorrect_shows_only_those_rows()
    {
        TestCulture.Use("en");
        await using var host = await UiTestHost.CreateAsync();
        var runId = await host.SeedRunWithTracesAsync(60);
        await using var db = await host.DbAsync();
        var expected = await db.Traces.CountAsync(t => t.RunId == runId && t.Verdict == Verdict.Incorrect);

        var cut = host.Context.Render<TraceGrid>();
        cut.WaitForAssertion(() => Assert.Equal(50, Rows(cut).Count));
        var select = cut.FindComponents<MudSelect<Verdict?>>().Single();
        await cut.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync(Verdict.Incorrect));

        cut.WaitForAssertion(() =>
        {
            var rows = Rows(cut);
            Assert.Equal(expected, rows.Count);
            Assert.All(rows, r => Assert.Equal("incorrect", r.QuerySelector("[data-verdict]")!.GetAttribute("data-verdict")));
        });
        Assert.Contains($"{expected} traces", cut.Find("[data-testid=trace-total]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sorting_by_latency_descending_puts_the_slowest_first()
    {
        TestCulture.Use("en");
        await using var host = await UiTestHost.CreateAsync();
        await host.SeedRunWithTracesAsync(60);
        await using var db = await host.DbAsync();
        var slowest = await db.Traces.MaxAsync(t => t.LatencyMs);

        var cut = host.Context.Render<TraceGrid>();
        cut.WaitForAssertion(() => Assert.Equal(50, Rows(cut).Count));

        // Click the Latency header until it sorts descending (ascending first, then descending).
        for (var i = 0; i < 2; i++)
        {
            var header = cut.FindAll("th").First(th => th.TextContent.Contains("Latency", StringComparison.Ordinal));
            (header.QuerySelector(".sortable-column-header") ?? header.QuerySelector("span") ?? header).Click();
        }

        cut.WaitForAssertion(() =>
        {
            var latencies = Rows(cut).Select(r => int.Parse(r.QuerySelector("[data-latency]")!.GetAttribute("data-latency")!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(50, latencies.Count);
            Assert.Equal(slowest, latencies[0]);
            Assert.Equal(latencies.OrderByDescending(x => x), latencies);
        });
    }
}
