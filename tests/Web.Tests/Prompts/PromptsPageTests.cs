using Bunit;
using DeepFinance.Core.Audit;
using DeepFinance.Core.Data;
using DeepFinance.Core.Prompts;
using DeepFinance.Web.Components.Layout;
using PromptsPage = DeepFinance.Web.Components.Pages.Operate.Prompts;
using DeepFinance.Web.Tests.Components;
using DeepFinance.Web.Tests.Localization;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Web.Tests.Prompts;

/// <summary>The prompts page: pick a template, edit, see the diff, save a new version, preview it on a question.</summary>
public sealed class PromptsPageTests
{
    private const string QuestionText = "某基金净值从1.20元涨到1.50元，收益率是多少？<b>注意</b>保留整数百分比。";

    private static async Task<long> AddQuestionAsync(UiTestHost host)
    {
        await using var db = await host.DbAsync();
        var q = new Question { Origin = QuestionOrigin.Q2A, Text = QuestionText, ReferenceAnswer = "25%", Language = "zh", CreatedAt = DateTimeOffset.UtcNow };
        db.Questions.Add(q);
        await db.SaveChangesAsync();
        return q.Id;
    }

    private static void Open(IRenderedComponent<PromptsPage> cut, string name) =>
        cut.FindAll("[data-testid=prompt-templates] tbody tr").Single(r => r.QuerySelector("[data-testid=prompt-name] b")!.TextContent == name).Click();

    [Fact]
    public async Task Edit_shows_the_diff_save_adds_a_version_and_the_preview_shows_the_question_as_plain_text_with_the_edit()
    {
        TestCulture.Use("en");
        await using var host = await UiTestHost.CreateAsync("op@test", ["Operate", "Read"], ["Operator"], null);
        var questionId = await AddQuestionAsync(host);
        var cut = host.Context.Render<PromptsPage>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=prompt-templates] tbody tr")));
        Open(cut, PromptLibrary.CotSample);
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=prompt-version]")));
        var shipped = await host.Services.GetRequiredService<PromptLibrary>().GetAsync(PromptLibrary.CotSample, null);

        var edited = shipped.Body.Replace("[user]", "Quote the formula before the figures.\n[user]", StringComparison.Ordinal);
        cut.Find("textarea[data-testid=prompt-body]").Input(edited);
        cut.WaitForAssertion(() => Assert.Contains("Quote the formula before the figures.",
            cut.Find("[data-testid=prompt-draft-diff] ins").TextContent, StringComparison.Ordinal));

        // The preview of the unsaved draft on the chosen question: the question's text as plain text, the edit in the system message.
        cut.Find("input[data-testid=prompt-item-search]").Input("基金净值");
        cut.Find("[data-testid=prompt-item-search-go]").Click();
        cut.WaitForAssertion(() => Assert.Contains($"#{questionId}", cut.Find("[data-testid=prompt-item]").TextContent, StringComparison.Ordinal));
        cut.Find("[data-testid=prompt-item]").Click();
        cut.WaitForAssertion(() =>
        {
            var messages = cut.FindAll("[data-testid=prompt-message]");
            Assert.Equal(2, messages.Count);
            Assert.Contains("Quote the formula before the figures.", messages[0].TextContent, StringComparison.Ordinal);
            Assert.Contains(QuestionText, messages[1].TextContent, StringComparison.Ordinal);
            Assert.Contains("&lt;b&gt;注意&lt;/b&gt;", messages[1].InnerHtml, StringComparison.Ordinal);
            Assert.Empty(messages[1].QuerySelectorAll("b"));
        });

        cut.Find("[data-testid=prompt-save]").Click();
        cut.WaitForAssertion(() =>
        {
            var rows = cut.FindAll("[data-testid=prompt-version]");
            Assert.Equal(2, rows.Count);
            Assert.Contains("v2", rows[0].TextContent, StringComparison.Ordinal);
            Assert.Contains("op@test", rows[0].TextContent, StringComparison.Ordinal);
        });
        var latest = await host.Services.GetRequiredService<PromptLibrary>().GetAsync(PromptLibrary.CotSample, null);
        Assert.Equal(2, latest.Version);
        Assert.Contains("Quote the formula before the figures.", latest.Body, StringComparison.Ordinal);
        Assert.Equal(1, (await host.Services.GetRequiredService<AuditLog>().QueryAsync(new AuditFilter(Action: "prompt.version-saved", Actor: "op@test"))).Total);
        // The preview re-renders with the saved version, and the history shows what changed from v1.
        cut.WaitForAssertion(() => Assert.Contains("v2", cut.Find("[data-testid=prompt-preview]").TextContent, StringComparison.Ordinal));
        cut.FindAll("[data-testid=prompt-show-version]")[0].Click();
        cut.WaitForAssertion(() => Assert.Contains("Quote the formula before the figures.",
            cut.Find("[data-testid=prompt-version-diff] ins").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Bad_liquid_is_refused_with_its_line_and_ctrl_enter_saves_a_good_body()
    {
        TestCulture.Use("zh-CN");
        await using var host = await UiTestHost.CreateAsync("op@test", ["Operate", "Read"], ["Operator"], null);
        var cut = host.Context.Render<PromptsPage>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=prompt-templates] tbody tr")));
        Open(cut, PromptLibrary.AnswerJudge);
        cut.WaitForAssertion(() => Assert.Contains("保存为新版本", cut.Find("[data-testid=prompt-save]").TextContent, StringComparison.Ordinal));

        cut.Find("textarea[data-testid=prompt-body]").Input("[system]\nGrade it.\n[user]\n{{ question | }}");
        cut.Find("[data-testid=prompt-save]").Click();
        cut.WaitForAssertion(() => Assert.Contains("Line 4, column", cut.Find("[data-testid=prompt-save-error]").TextContent, StringComparison.Ordinal));
        Assert.Single(cut.FindAll("[data-testid=prompt-version]"));

        cut.Find("textarea[data-testid=prompt-body]").Input("[system]\nGrade it strictly.\n[user]\n{{ question }}\n{{ response }}");
        cut.Find("[data-testid=prompt-editor] div").KeyDown(new KeyboardEventArgs { Key = "Enter", CtrlKey = true });
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=prompt-version]").Count));
        Assert.Equal("[system]\nGrade it strictly.\n[user]\n{{ question }}\n{{ response }}",
            (await host.Services.GetRequiredService<PromptLibrary>().GetAsync(PromptLibrary.AnswerJudge, null)).Body);
    }

    [Fact]
    public async Task Operators_see_the_prompts_link_and_readers_do_not()
    {
        TestCulture.Use("en");
        await using (var op = await UiTestHost.CreateAsync("operator@test", "Read", "Operate"))
        {
            Assert.Contains("operate/prompts", op.Context.Render<NavMenu>().FindAll("a").Select(a => a.GetAttribute("href")));
        }
        await using var reader = await UiTestHost.CreateAsync("expert@test", "Read");
        Assert.DoesNotContain("operate/prompts", reader.Context.Render<NavMenu>().FindAll("a").Select(a => a.GetAttribute("href")));
    }
}
