using System.Text;
using AngleSharp.Dom;
using Bunit;
using DeepFinance.Core.Annotation;
using DeepFinance.Core.Data;
using DeepFinance.Web.Components.Pages.Annotate;
using DeepFinance.Web.Tests.Components;
using DeepFinance.Web.Tests.Localization;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Web.Tests.Annotation;

/// <summary>Raw text kept readable for the tests; Data Protection is covered by the API tests on the real app.</summary>
internal sealed class PlainProtector : IRawTextProtector
{
    public string Protect(string plaintext) => "P:" + Convert.ToBase64String(Encoding.UTF8.GetBytes(plaintext));

    public string Unprotect(string protectedText) => Encoding.UTF8.GetString(Convert.FromBase64String(protectedText[2..]));
}

internal sealed class TwoExperts : IExpertDirectory
{
    public Task<IReadOnlyList<string>> ExpertsAsync(CancellationToken ct = default) =>
        Task.FromResult<IReadOnlyList<string>>([AnnotateScreenTests.Ana, AnnotateScreenTests.Bo]);
}

/// <summary>The check and annotation screens over real Core services and SQLite: highlights, marking, keys, the form and its field errors.</summary>
public sealed class AnnotateScreenTests
{
    public const string Ana = "ana@test";
    public const string Bo = "bo@test";
    private const string Raw = "我叫张伟，手机号13812345678，想问一下三年期定期存款利率3.5%到期利息怎么算？";

    private static async Task<(UiTestHost Host, long Id)> HostAsync(string user)
    {
        TestCulture.Use("en");
        var host = await UiTestHost.CreateAsync(user, ["Annotate", "Read"], ["Expert"],
            s => s.AddSingleton<IRawTextProtector, PlainProtector>().AddSingleton<IExpertDirectory, TwoExperts>());
        var line = System.Text.Json.JsonSerializer.Serialize(new { text = Raw });
        var result = await host.Services.GetRequiredService<RealWorldImporter>().ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes(line)), "q.jsonl", "q", "admin");
        Assert.True(result.Succeeded, string.Join("; ", result.Errors));
        await using var db = await host.DbAsync();
        return (host, await db.RealWorldQueries.Select(q => q.Id).SingleAsync());
    }

    private static IElement Field(IRenderedComponent<AnnotateItem> cut, string testId)
    {
        var e = cut.Find($"[data-testid={testId}]");
        return e.TagName is "TEXTAREA" or "INPUT" or "SELECT" ? e : e.QuerySelector("textarea, input, select")!;
    }

    [Fact]
    public async Task The_check_screen_highlights_found_data_in_the_raw_text_lets_the_expert_drop_and_mark_spans_and_c_confirms()
    {
        var (host, id) = await HostAsync(Ana);
        await using var _ = host;
        var cut = host.Context.Render<AnnotateItem>(p => p.Add(x => x.Id, id));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=check-raw]")));

        var marks = cut.FindAll("[data-testid=check-raw] mark").Select(m => m.TextContent).ToList();
        Assert.Contains("13812345678", marks);
        Assert.DoesNotContain("13812345678", cut.Find("[data-testid=check-desensitized]").TextContent, StringComparison.Ordinal);

        // Mark a missed span: "三年期" goes into the preview as a placeholder.
        Field(cut, "check-mask-text").Change("三年期");
        cut.Find("[data-testid=check-mask-add]").Click();
        cut.WaitForAssertion(() => Assert.DoesNotContain("三年期", cut.Find("[data-testid=check-desensitized]").TextContent, StringComparison.Ordinal));
        Assert.Contains("三年期", cut.FindAll("[data-testid=check-raw] mark").Select(m => m.TextContent));

        cut.Find("[data-testid=annotate-keys]").KeyDown(new KeyboardEventArgs { Key = "c" });
        cut.WaitForAssertion(() => Assert.Equal("checked", cut.Find("[data-testid=annotate-status]").GetAttribute("data-status")));
        await using var db = await host.DbAsync();
        var stored = await db.RealWorldQueries.SingleAsync(q => q.Id == id);
        Assert.Equal(RealWorldQueryStatus.Checked, stored.Status);
        Assert.DoesNotContain("三年期", stored.DesensitizedText, StringComparison.Ordinal);
        Assert.DoesNotContain("13812345678", stored.DesensitizedText, StringComparison.Ordinal);
        Assert.Equal(Ana, stored.CheckedBy);
        Assert.Contains(await db.AuditEntries.Select(e => e.Action).ToListAsync(), a => a == "realworld.raw-viewed");
    }

    [Fact]
    public async Task The_annotation_form_shows_the_guideline_names_a_missing_field_and_saves_with_ctrl_enter()
    {
        var (host, id) = await HostAsync(Ana);
        await using var _ = host;
        await host.Services.GetRequiredService<AnnotationWorkbench>().CheckAsync(id, new Actor(Ana, false, true), new CheckRequest(1));
        var cut = host.Context.Render<AnnotateItem>(p => p.Add(x => x.Id, id));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=annotate-form]")));
        Assert.Contains("Annotating real-world queries", cut.Find("[data-testid=annotate-guideline]").TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("13812345678", cut.Markup, StringComparison.Ordinal);

        Field(cut, "form-task-type").Change(nameof(TaskType.Math));
        Field(cut, "form-answer").Change("3.5% × 3 years on the principal.");
        cut.Find("[data-testid=form-submit]").Click();
        cut.WaitForAssertion(() => Assert.Contains("difficulty", cut.Find("[data-testid=annotate-error]").TextContent, StringComparison.Ordinal));

        Field(cut, "form-difficulty").Change(nameof(Difficulty.Medium));
        cut.Find("[data-testid=form-tag-calculation]").Change(true);
        cut.Find("[data-testid=annotate-form]").KeyDown(new KeyboardEventArgs { Key = "Enter", CtrlKey = true });
        cut.WaitForAssertion(() => Assert.Equal("annotated", cut.Find("[data-testid=annotate-status]").GetAttribute("data-status")));
        Assert.NotNull(cut.Find("[data-testid=annotate-waiting]"));

        await using var db = await host.DbAsync();
        var saved = await db.Annotations.SingleAsync(a => a.QueryId == id);
        Assert.Equal(Ana, saved.Expert);
        Assert.Equal(TaskType.Math, saved.TaskType);
        Assert.Equal(Difficulty.Medium, saved.Difficulty);
        Assert.Equal("[\"calculation\"]", saved.CapabilityTagsJson);
        Assert.Equal(1, saved.GuidelineVersion);
    }
}
