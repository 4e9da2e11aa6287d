using Bunit;
using DeepFinance.Web.Components.Pages.Traces;
using Microsoft.EntityFrameworkCore;

using DeepFinance.Web.Tests.Localization;

namespace DeepFinance.Web.Tests.Components;

public sealed class TraceViewTests
{
    [Fact]
    public async Task Renders_reasoning_markdown_as_html_and_never_a_script_from_model_output()
    {
        TestCulture.Use("en");
        await using var host = await UiTestHost.CreateAsync(policies: ["Read"]);
        var runId = await host.SeedRunWithTracesAsync(4, (i, t) =>
        {
            t.Reasoning = "First, **compound** the rate:\n\n- year one\n- year two\n\n<script>alert('x')</script>\n\n<img src=x onerror=alert(1)>";
            t.Answer = "The answer is `118768.63` <script>document.cookie</script>";
            return t;
        });
        await using var db = await host.DbAsync();
        var traceId = await db.Traces.Where(t => t.RunId == runId).OrderBy(t => t.Id).Select(t => t.Id).FirstAsync();

        var cut = host.Context.Render<TraceView>(p => p.Add(x => x.Id, traceId));

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=trace-reasoning]")));
        var reasoning = cut.Find("[data-testid=trace-reasoning]");
        Assert.Contains("<strong>compound</strong>", reasoning.InnerHtml, StringComparison.Ordinal);
        Assert.Equal(2, reasoning.QuerySelectorAll("li").Length);
        Assert.Contains("<code>118768.63</code>", cut.Find("[data-testid=trace-answer]").InnerHtml, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", cut.Markup, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(cut.FindAll("script"));
        Assert.Empty(cut.FindAll("[onerror]"));
        // Lineage: the other sample of the same question is linked; the reference answer is shown.
        Assert.Single(cut.FindAll("[data-testid=trace-sibling]"));
        Assert.Equal("0%", cut.Find("[data-testid=trace-reference]").TextContent);
    }

    [Fact]
    public async Task Scr_round_trace_shows_its_round_parent_reflection_and_leak_hits()
    {
        TestCulture.Use("en");
        await using var host = await UiTestHost.CreateAsync(policies: ["Read"]);
        var runId = await host.SeedRunWithTracesAsync(2, (i, t) =>
        {
            if (i == 1)
            {
                t.Round = 1;
                t.Reflection = "Step 3 uses the **sale** price as the base.";
                t.LeakHits = """["ground truth","reference value 10 stated in the reflection"]""";
            }
            return t;
        });
        await using var db = await host.DbAsync();
        var ids = await db.Traces.Where(t => t.RunId == runId).OrderBy(t => t.Id).Select(t => t.Id).ToListAsync();
        var round = await db.Traces.SingleAsync(t => t.Id == ids[1]);
        round.ParentTraceId = ids[0];
        await db.SaveChangesAsync();

        var cut = host.Context.Render<TraceView>(p => p.Add(x => x.Id, ids[1]));

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=trace-scr]")));
        Assert.Contains("Self-correction round 1", cut.Find("[data-testid=trace-scr]").TextContent, StringComparison.Ordinal);
        Assert.Equal($"#{ids[0]}", cut.Find("[data-testid=trace-parent]").TextContent.Trim());
        Assert.Contains("<strong>sale</strong>", cut.Find("[data-testid=trace-reflection]").InnerHtml, StringComparison.Ordinal);
        Assert.Contains("ground truth", cut.Find("[data-testid=trace-leak-hits]").TextContent, StringComparison.Ordinal);

        // A first answer has no self-correction panel.
        var first = host.Context.Render<TraceView>(p => p.Add(x => x.Id, ids[0]));
        first.WaitForAssertion(() => Assert.NotNull(first.Find("[data-testid=trace-reasoning]")));
        Assert.Empty(first.FindAll("[data-testid=trace-scr]"));
    }
}
