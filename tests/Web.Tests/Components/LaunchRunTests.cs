using AngleSharp.Dom;
using Bunit;
using DeepFinance.Core.Runs;
using DeepFinance.Web.Components.Pages.Operate;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

using DeepFinance.Web.Tests.Localization;

namespace DeepFinance.Web.Tests.Components;

public sealed class LaunchRunTests
{
    private static IElement Input(IRenderedComponent<LaunchRun> cut, string testId) =>
        cut.FindAll($"input[data-testid={testId}]").FirstOrDefault() ?? cut.Find($"[data-testid={testId}] input");

    [Fact]
    public async Task Choosing_source_synthesizer_and_k_shows_requests_and_cost_and_launch_creates_a_run()
    {
        TestCulture.Use("en");
        await using var host = await UiTestHost.CreateAsync();
        var source = await host.ImportSeedsAsync(7);
        host.Services.GetRequiredService<NavigationManager>().NavigateTo($"operate/runs/new?source={source}");

        var cut = host.Context.Render<LaunchRun>();
        // One source (from ?source=) and one synthesizer (the simulator) are chosen; k = 2.
        Input(cut, "launch-k").Change("2");

        cut.WaitForAssertion(() => Assert.Equal("14", cut.Find("[data-testid=estimate-requests]").TextContent.Trim()));
        Assert.Equal("7", cut.Find("[data-testid=estimate-questions]").TextContent.Trim());
        var cost = cut.Find("[data-testid=estimate-cost]").TextContent;
        Assert.Matches(@"^0\.\d+", cost.Trim());
        Assert.Contains("simulated", cut.Markup, StringComparison.Ordinal);

        cut.Find("button[data-testid=launch-button]").Click();

        var runs = host.Services.GetRequiredService<RunService>();
        await cut.WaitForAssertionAsync(async () =>
        {
            var (total, items) = await runs.ListAsync(1, 10);
            Assert.Equal(1, total);
            Assert.Equal(2, items[0].SamplesPerQuestion);
            Assert.Equal(source, items[0].SeedSourceId);
            Assert.Equal([items[0].Id], host.Scheduler.Prepared);
            Assert.EndsWith($"operate/runs/{items[0].Id}", host.Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task K_of_zero_shows_a_validation_message_and_launches_nothing()
    {
        TestCulture.Use("en");
        await using var host = await UiTestHost.CreateAsync();
        await host.ImportSeedsAsync(3);

        var cut = host.Context.Render<LaunchRun>();
        Input(cut, "launch-k").Change("0");

        cut.WaitForAssertion(() => Assert.Contains("Samples per question must be between 1 and 64",
            cut.Find("[data-testid=launch-error]").TextContent, StringComparison.Ordinal));
        cut.Find("button[data-testid=launch-button]").Click();

        cut.WaitForAssertion(() => Assert.Contains("Samples per question", cut.Find("[data-testid=launch-error]").TextContent, StringComparison.Ordinal));
        var (total, _) = await host.Services.GetRequiredService<RunService>().ListAsync(1, 10);
        Assert.Equal(0, total);
        Assert.Empty(host.Scheduler.Prepared);
    }

    [Fact]
    public async Task Synthesize_picks_pool_questions_by_id_refuses_a_bad_id_and_launches_a_synthesize_run()
    {
        TestCulture.Use("en");
        await using var host = await UiTestHost.CreateAsync();
        await host.SeedRunWithTracesAsync(6);
        long[] ids;
        await using (var db = await host.DbAsync())
        {
            ids = [.. db.Questions.OrderBy(q => q.Id).Select(q => q.Id).Take(2)];
        }

        var cut = host.Context.Render<LaunchRun>();
        var radio = cut.FindAll("[data-testid=launch-kind-synthesize] input").FirstOrDefault() ?? cut.Find("input[data-testid=launch-kind-synthesize]");
        radio.Click();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=launch-question-ids]")));
        Assert.Contains("request with no answer after", cut.Find("[data-testid=estimate-timeout]").TextContent, StringComparison.Ordinal);

        // The ids field waits for typing to pause (debounced input).
        Input(cut, "launch-question-ids").Input($"{ids[0]}, twelve");
        cut.WaitForAssertion(() => Assert.Contains("'twelve' is not a question id", cut.Find("[data-testid=launch-error]").TextContent, StringComparison.Ordinal),
            TimeSpan.FromSeconds(5));

        Input(cut, "launch-question-ids").Input($"{ids[0]} {ids[1]}");
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=launch-error]")), TimeSpan.FromSeconds(5));
        Input(cut, "launch-k").Change("3");
        cut.WaitForAssertion(() => Assert.Equal("6", cut.Find("[data-testid=estimate-requests]").TextContent.Trim()), TimeSpan.FromSeconds(5));
        Assert.Equal("2", cut.Find("[data-testid=estimate-questions]").TextContent.Trim());

        cut.Find("button[data-testid=launch-button]").Click();
        var runs = host.Services.GetRequiredService<RunService>();
        await cut.WaitForAssertionAsync(async () =>
        {
            var (_, items) = await runs.ListAsync(1, 10);
            var run = Assert.Single(items, r => r.Kind == "synthesize");
            Assert.Equal(3, run.SamplesPerQuestion);
            Assert.Contains(run.Id, host.Scheduler.Prepared);
        });
    }

    [Fact]
    public async Task Classify_launch_takes_questions_by_id_shows_one_request_each_at_most_and_launches_a_classify_run()
    {
        TestCulture.Use("en");
        await using var host = await UiTestHost.CreateAsync();
        await host.SeedRunWithTracesAsync(4);
        long[] ids;
        await using (var db = await host.DbAsync())
        {
            ids = [.. db.Questions.OrderBy(q => q.Id).Select(q => q.Id).Take(2)];
        }

        var cut = host.Context.Render<LaunchRun>();
        var radio = cut.FindAll("[data-testid=launch-kind-classify] input").FirstOrDefault() ?? cut.Find("input[data-testid=launch-kind-classify]");
        radio.Click();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=launch-classify-question-ids]")));
        Assert.Empty(cut.FindAll("[data-testid=launch-k]"));
        Assert.Contains("rules settle the obvious cases", cut.Markup, StringComparison.Ordinal);

        Input(cut, "launch-classify-question-ids").Input($"{ids[0]} {ids[1]}");
        cut.WaitForAssertion(() => Assert.Equal("2", cut.Find("[data-testid=estimate-questions]").TextContent.Trim()), TimeSpan.FromSeconds(5));
        Assert.Equal("2", cut.Find("[data-testid=estimate-requests]").TextContent.Trim());

        cut.Find("button[data-testid=launch-button]").Click();
        var runs = host.Services.GetRequiredService<RunService>();
        await cut.WaitForAssertionAsync(async () =>
        {
            var (_, items) = await runs.ListAsync(1, 10);
            var run = Assert.Single(items, r => r.Kind == "classify");
            Assert.Contains(run.Id, host.Scheduler.Prepared);
        });
    }

    [Fact]
    public async Task Scr_launch_form_offers_a_source_run_with_its_failed_traces_and_max_rounds_and_launches_an_scr_run()
    {
        TestCulture.Use("en");
        await using var host = await UiTestHost.CreateAsync();
        // Six traces, of which two (samples 1 and 4) were verified incorrect.
        var source = await host.SeedRunWithTracesAsync(6);

        var cut = host.Context.Render<LaunchRun>();
        var radio = cut.FindAll("[data-testid=launch-kind-scr] input").FirstOrDefault() ?? cut.Find("input[data-testid=launch-kind-scr]");
        radio.Click();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=launch-max-rounds]")));
        Assert.Empty(cut.FindAll("[data-testid=launch-k]"));
        Assert.Empty(cut.FindAll("[data-testid=launch-source]"));
        cut.Find("button[data-testid=launch-button]").Click();
        cut.WaitForAssertion(() => Assert.Contains("Choose a source run", cut.Find("[data-testid=launch-error]").TextContent, StringComparison.Ordinal));

        // The picker lists the run with its failed traces; arriving with ?sourceRun= chooses it.
        host.Services.GetRequiredService<NavigationManager>().NavigateTo($"operate/runs/new?sourceRun={source}");
        cut = host.Context.Render<LaunchRun>();
        Input(cut, "launch-max-rounds").Change("2");
        // Two failed traces, up to two rounds of reflection and rewrite each: at most eight requests.
        cut.WaitForAssertion(() => Assert.Equal("8", cut.Find("[data-testid=estimate-requests]").TextContent.Trim()), TimeSpan.FromSeconds(5));
        Assert.Equal("2", cut.Find("[data-testid=estimate-questions]").TextContent.Trim());
        Assert.Contains($"#{source}", cut.Find("[data-testid=launch-source-run]").TextContent, StringComparison.Ordinal);
        Assert.Contains("2 failed", cut.Find("[data-testid=launch-source-run]").TextContent, StringComparison.Ordinal);

        cut.Find("button[data-testid=launch-button]").Click();
        var runs = host.Services.GetRequiredService<RunService>();
        await cut.WaitForAssertionAsync(async () =>
        {
            var (_, items) = await runs.ListAsync(1, 10);
            var run = Assert.Single(items, r => r.Kind == "scr");
            Assert.Contains(run.Id, host.Scheduler.Prepared);
            await using var db = await host.DbAsync();
            var spec = System.Text.Json.JsonDocument.Parse(db.Runs.Single(r => r.Id == run.Id).SpecJson).RootElement;
            Assert.Equal(source, spec.GetProperty("sourceRunId").GetInt64());
            Assert.Equal(2, spec.GetProperty("maxRounds").GetInt32());
            Assert.Equal(["reflect", "rewrite"], db.RunPrompts.Where(p => p.RunId == run.Id).Select(p => p.Role).OrderBy(r => r).ToArray());
        });
    }
}
