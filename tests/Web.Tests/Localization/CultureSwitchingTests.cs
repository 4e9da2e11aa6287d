using System.Text.RegularExpressions;
using AngleSharp.Dom;
using Bunit;
using DeepFinance.Core.Prompts;
using DeepFinance.Web.Components.Common;
using DeepFinance.Web.Components.Layout;
using DeepFinance.Web.Components.Pages;
using DeepFinance.Web.Components.Pages.Operate;
using DeepFinance.Web.Components.Pages.Traces;
using DeepFinance.Web.Localization;
using DeepFinance.Web.Tests.Components;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Web.Tests.Localization;

/// <summary>
/// The main screens rendered in each language: in zh-CN no English string of the screen's resources is visible
/// (and its Chinese is); in en the reverse.
/// </summary>
public sealed partial class CultureSwitchingTests
{
    public static TheoryData<string, string> Screens()
    {
        var data = new TheoryData<string, string>();
        foreach (var screen in new[] { "dashboard", "seed-sources", "launch-run", "run-list", "run-detail", "trace-list", "trace-view", "nav-menu" })
        {
            data.Add(screen, "zh-CN");
            data.Add(screen, "en");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Screens))]
    public async Task A_screen_speaks_only_the_chosen_language(string screen, string culture)
    {
        TestCulture.Use(culture);
        await using var host = await UiTestHost.CreateAsync("operator@test", "Read", "Operate");
        var (cut, resources) = await RenderAsync(host, screen);

        var english = Fragments(resources.SelectMany(t => Values(t, null)), Latin);
        var chinese = Fragments(resources.SelectMany(t => Values(t, "zh-CN")), Cjk);
        var (shown, absent) = culture == "en" ? (english, chinese) : (chinese, english);
        // Data, not UI: the prompt template's name.
        var text = VisibleText(cut).Replace(PromptLibrary.CotSample, "", StringComparison.Ordinal);

        var leaked = absent.Where(f => Shows(text, f)).ToList();
        Assert.True(leaked.Count == 0, $"{screen} in {culture} shows text of the other language: {string.Join(" | ", leaked)}\n---\n{text}");
        var found = shown.Where(f => Shows(text, f)).ToList();
        Assert.True(found.Count >= 1, $"{screen} in {culture} shows none of its own strings\n---\n{text}");
        // The heading is in the chosen language.
        var heading = ResourceFiles.Read(ResourceFiles.Of(resources[0], culture == "en" ? null : culture))[HeadingKey(screen)];
        Assert.Contains(heading, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Shared_words_follow_the_culture_run_status_and_verdict()
    {
        TestCulture.Use("zh-CN");
        await using var host = await UiTestHost.CreateAsync();
        await host.SeedRunWithTracesAsync(6, ChineseTrace);

        var list = host.Context.Render<RunList>();
        list.WaitForAssertion(() => Assert.Equal("已完成", list.Find("[data-status=completed]").TextContent.Trim()));
        var grid = host.Context.Render<TraceGrid>();
        grid.WaitForAssertion(() => Assert.Contains("正确", grid.Find("[data-verdict=correct]").TextContent, StringComparison.Ordinal));
        Assert.Contains("无法判定", grid.Find("[data-verdict=unverifiable]").TextContent, StringComparison.Ordinal);
        Assert.Contains("共 6 条", grid.Markup, StringComparison.Ordinal);
    }

    private static async Task<(IRenderedComponent<IComponent> Cut, Type[] Resources)> RenderAsync(UiTestHost host, string screen)
    {
        var nav = host.Services.GetRequiredService<NavigationManager>();
        switch (screen)
        {
            case "dashboard":
            {
                await host.SeedRunWithTracesAsync(6, ChineseTrace);
                await RenameQuestionsAsync(host);
                var cut = host.Context.Render<Dashboard>();
                cut.WaitForAssertion(() => cut.Find("[data-testid=stat-traces]"));
                return (As(cut), [typeof(Dashboard), typeof(SharedResource)]);
            }
            case "seed-sources":
            {
                await host.ImportSeedsAsync(3, "种子-甲");
                var cut = host.Context.Render<SeedSources>();
                cut.WaitForAssertion(() => Assert.Single(cut.FindAll("tbody tr")));
                return (As(cut), [typeof(SeedSources)]);
            }
            case "launch-run":
            {
                var source = await host.ImportSeedsAsync(3, "种子-甲");
                nav.NavigateTo($"operate/runs/new?source={source}");
                var cut = host.Context.Render<LaunchRun>();
                cut.WaitForAssertion(() => cut.Find("[data-testid=estimate-requests]"));
                return (As(cut), [typeof(LaunchRun)]);
            }
            case "run-list":
            {
                await host.SeedRunWithTracesAsync(4, ChineseTrace);
                var cut = host.Context.Render<RunList>();
                cut.WaitForAssertion(() => cut.Find("[data-status]"));
                return (As(cut), [typeof(RunList), typeof(SharedResource)]);
            }
            case "run-detail":
            {
                var runId = await host.SeedRunWithTracesAsync(4, ChineseTrace);
                await RenameQuestionsAsync(host);
                var cut = host.Context.Render<RunDetail>(p => p.Add(x => x.Id, runId));
                cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-verdict]")));
                return (As(cut), [typeof(RunDetail), typeof(TraceGrid)]);
            }
            case "trace-list":
            {
                await host.SeedRunWithTracesAsync(4, ChineseTrace);
                await RenameQuestionsAsync(host);
                var cut = host.Context.Render<TraceList>();
                cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-verdict]")));
                return (As(cut), [typeof(TraceList), typeof(TraceGrid)]);
            }
            case "trace-view":
            {
                var runId = await host.SeedRunWithTracesAsync(4, ChineseTrace);
                await RenameQuestionsAsync(host);
                await using var db = await host.DbAsync();
                var traceId = await db.Traces.Where(t => t.RunId == runId).OrderBy(t => t.Id).Select(t => t.Id).FirstAsync();
                var cut = host.Context.Render<TraceView>(p => p.Add(x => x.Id, traceId));
                cut.WaitForAssertion(() => cut.Find("[data-testid=trace-lineage]"));
                return (As(cut), [typeof(TraceView)]);
            }
            case "nav-menu":
                return (As(host.Context.Render<NavMenu>()), [typeof(NavMenu)]);
            default:
                throw new ArgumentOutOfRangeException(nameof(screen), screen, null);
        }
    }

    private static string HeadingKey(string screen) => screen switch
    {
        "launch-run" => "Heading",
        "dashboard" or "seed-sources" or "run-list" or "trace-list" => "Title",
        "run-detail" => "Done",
        "trace-view" => "Lineage",
        _ => "Dashboard",
    };

    /// <summary>Latin fragments match as whole words ("at" is not in "data"); Chinese ones anywhere.</summary>
    private static bool Shows(string text, string fragment) => Cjk.IsMatch(fragment)
        ? text.Contains(fragment, StringComparison.Ordinal)
        : Regex.IsMatch(text, $@"(?<![A-Za-z]){Regex.Escape(fragment)}(?![A-Za-z])");

    private static IRenderedComponent<IComponent> As<T>(IRenderedComponent<T> cut) where T : IComponent =>
        (IRenderedComponent<IComponent>)(object)cut;

    /// <summary>Test data without English words, so any English on the page comes from the UI.</summary>
    private static DeepFinance.Core.Data.CotTrace ChineseTrace(int i, DeepFinance.Core.Data.CotTrace t)
    {
        t.Reasoning = $"第 {i} 步";
        t.Answer = $"答案 {i}";
        t.VerdictRule = "数值";
        t.VerdictReason = "已比较";
        return t;
    }

    private static async Task RenameQuestionsAsync(UiTestHost host)
    {
        await using var db = await host.DbAsync();
        await db.Questions.ExecuteUpdateAsync(s => s.SetProperty(q => q.Text, q => "收益率是多少？"));
    }

    private static IEnumerable<string> Values(Type resource, string? culture) =>
        ResourceFiles.Read(ResourceFiles.Of(resource, culture)).Values;

    /// <summary>The literal parts of resource values (placeholders removed) that are long enough to search for.</summary>
    private static List<string> Fragments(IEnumerable<string> values, Regex mustContain) =>
        values.SelectMany(v => Placeholder().Split(v))
            .Select(f => f.Trim().Trim('(', ')', '（', '）', ':', '：', ',', '，', '.', '。', '"', '“', '”', '/', '·').Trim())
            .Where(f => f.Length >= 2 && mustContain.IsMatch(f))
            .Distinct(StringComparer.Ordinal)
            .ToList();

    /// <summary>What a person reads: text, and the title, aria-label and placeholder attributes.</summary>
    private static string VisibleText(IRenderedComponent<IComponent> cut)
    {
        var parts = new List<string>();
        foreach (var node in cut.Nodes)
        {
            parts.Add(node.TextContent);
            if (node is IElement element)
            {
                foreach (var e in element.QuerySelectorAll("*").Prepend(element))
                {
                    parts.AddRange(new[] { "title", "aria-label", "placeholder" }.Select(e.GetAttribute).OfType<string>());
                }
            }
        }
        return string.Join("\n", parts);
    }

    private static readonly Regex Latin = LatinRegex();

    private static readonly Regex Cjk = CjkRegex();

    [GeneratedRegex(@"\{\d+(:[^}]*)?\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex("[A-Za-z]{2,}")]
    private static partial Regex LatinRegex();

    [GeneratedRegex(@"\p{IsCJKUnifiedIdeographs}")]
    private static partial Regex CjkRegex();
}
