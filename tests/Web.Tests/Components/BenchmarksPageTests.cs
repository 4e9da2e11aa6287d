using Bunit;
using DeepFinance.Core.Data;
using DeepFinance.Web.Components.Pages.Operate;
using DeepFinance.Web.Tests.Localization;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Web.Tests.Components;

public sealed class BenchmarksPageTests
{
    [Fact]
    public async Task A_bad_file_lists_its_lines_a_good_one_is_listed_and_decontamination_shows_each_pair_side_by_side()
    {
        TestCulture.Use("en");
        await using var host = await UiTestHost.CreateAsync();
        await using (var db = await host.DbAsync())
        {
            db.Questions.AddRange(
                new Question { Origin = QuestionOrigin.Q2A, Text = "请问：某公司２０２３年净利润为500万元，发行在外的普通股加权平均数为1000万股，则该公司的基本每股收益为多少元", Language = "zh", CreatedAt = DateTimeOffset.UtcNow },
                new Question { Origin = QuestionOrigin.Q2A, Text = "某公司2023年营业收入为800万元，营业成本为500万元，则该公司的毛利率为多少？", Language = "zh", CreatedAt = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync();
        }
        var cut = host.Context.Render<Benchmarks>();

        var bad = "{\"question\":\"q1\",\"answer\":\"1\"}\n{\"question\":\"q2\",\"answer\":\"2\",\"difficulty\":\"brutal\"}\n{\"answer\":\"3\"}\n";
        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(bad, "bad.jsonl"));
        cut.WaitForAssertion(() => Assert.Contains("bad.jsonl", cut.Find("[data-testid=benchmark-file-name]").TextContent, StringComparison.Ordinal));
        cut.Find("button[data-testid=benchmark-import]").Click();
        cut.WaitForAssertion(() =>
        {
            var lines = cut.Find("[data-testid=import-errors]").QuerySelectorAll("tbody tr").Select(r => r.QuerySelector("td")!.TextContent.Trim());
            Assert.Equal(["2", "3"], lines);
        });

        var good = "{\"id\":\"fe-1\",\"question\":\"某公司2023年净利润为500万元，发行在外的普通股加权平均数为1000万股，则该公司的基本每股收益为多少元？\",\"answer\":\"0.5\"}\n";
        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(good, "fineval.jsonl"));
        cut.WaitForAssertion(() => Assert.Contains("fineval.jsonl", cut.Find("[data-testid=benchmark-file-name]").TextContent, StringComparison.Ordinal));
        cut.Find("button[data-testid=benchmark-import]").Click();
        cut.WaitForAssertion(() => Assert.Equal("fineval", cut.Find("[data-testid=set-name]").TextContent.Trim()));

        cut.Find("button[data-testid=decontaminate]").Click();
        cut.WaitForAssertion(() =>
        {
            Assert.Contains("2 of 2 questions scanned, 1 hits", cut.Find("[data-testid=decontaminate-status]").TextContent, StringComparison.Ordinal);
            Assert.Equal("1", cut.Find("[data-testid=set-hits]").TextContent.Trim());
            Assert.Contains("请问", cut.Find("[data-testid=hit-question]").TextContent, StringComparison.Ordinal);
            Assert.Contains("基本每股收益", cut.Find("[data-testid=hit-item]").TextContent, StringComparison.Ordinal);
            Assert.Equal("1.00", cut.Find("[data-testid=hit-score]").TextContent.Trim());
        }, TimeSpan.FromSeconds(30));
        Assert.Single(cut.FindAll("[data-testid=hit-question]"));
    }
}
