using Bunit;
using DeepFinance.Web.Components.Pages.Operate;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.EntityFrameworkCore;

using DeepFinance.Web.Tests.Localization;

namespace DeepFinance.Web.Tests.Components;

public sealed class SeedSourcesTests
{
    [Fact]
    public async Task A_refused_import_lists_every_error_and_imports_nothing_then_a_good_file_appears_in_the_list()
    {
        TestCulture.Use("en");
        await using var host = await UiTestHost.CreateAsync();
        var cut = host.Context.Render<SeedSources>();

        var bad = "{\"id\":\"a\",\"question\":\"Q1\",\"answer\":\"1\"}\n{\"id\":\"b\",\"answer\":\"2\"}\nnot json\n";
        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(bad, "bad.jsonl"));
        cut.WaitForAssertion(() => Assert.Contains("bad.jsonl", cut.Find("[data-testid=seed-file-name]").TextContent, StringComparison.Ordinal));
        cut.Find("button[data-testid=seed-import]").Click();

        cut.WaitForAssertion(() =>
        {
            var alert = cut.Find("[data-testid=import-errors]");
            Assert.Contains("Nothing was imported", alert.TextContent, StringComparison.Ordinal);
            var lines = alert.QuerySelectorAll("tbody tr").Select(r => r.QuerySelector("td")!.TextContent.Trim()).ToList();
            Assert.Equal(["2", "3"], lines);
        });
        await using (var db = await host.DbAsync())
        {
            Assert.Equal(0, await db.SeedSources.CountAsync());
            Assert.Equal(0, await db.SeedItems.CountAsync());
        }

        var good = "{\"id\":\"a\",\"question\":\"Q1\",\"answer\":\"1\"}\n{\"id\":\"b\",\"question\":\"Q2\",\"answer\":\"2\"}\n";
        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(good, "good.jsonl"));
        cut.WaitForAssertion(() => Assert.Contains("good.jsonl", cut.Find("[data-testid=seed-file-name]").TextContent, StringComparison.Ordinal));
        cut.Find("button[data-testid=seed-import]").Click();

        cut.WaitForAssertion(() =>
        {
            Assert.Empty(cut.FindAll("[data-testid=import-errors]"));
            var row = cut.FindAll("tbody tr").Single(r => r.TextContent.Contains("good.jsonl", StringComparison.Ordinal));
            Assert.Contains("Launch run", row.TextContent, StringComparison.Ordinal);
            Assert.NotNull(row.QuerySelector("a[href^='operate/runs/new?source=']"));
        });
    }
}
