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

    [Fact]
    public async Task An_unused_column_is_shown_with_a_checkbox_and_ticking_it_imports_the_same_file_with_its_options()
    {
        TestCulture.Use("en");
        await using var host = await UiTestHost.CreateAsync();
        var cut = host.Context.Render<SeedSources>();
        var exam = ",Question,A,B,C,D,Answer\n0,Which is a liability?,Loans,Deposits,Bonds,Bills,B\n";

        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(exam, "exam.csv"));
        cut.WaitForAssertion(() => Assert.Contains("exam.csv", cut.Find("[data-testid=seed-file-name]").TextContent, StringComparison.Ordinal));
        cut.Find("button[data-testid=seed-import]").Click();

        cut.WaitForAssertion(() =>
        {
            var row = cut.Find("[data-testid=import-errors] tbody tr");
            Assert.Equal(["1", "(column 1, no name)"], row.QuerySelectorAll("td").Take(2).Select(td => td.TextContent.Trim()));
            // MudCheckBox puts the test id on its input; the label around it carries the text.
            var label = cut.Find("input[data-testid=ignore-unknown]").Closest("label")!;
            Assert.Contains("Ignore unused columns: (column 1, no name)", label.TextContent, StringComparison.Ordinal);
        });
        await using (var db = await host.DbAsync())
        {
            Assert.Equal(0, await db.SeedItems.CountAsync());
        }

        cut.Find("input[data-testid=ignore-unknown]").Change(true);
        cut.Find("button[data-testid=seed-import]").Click();

        cut.WaitForAssertion(() =>
        {
            Assert.Empty(cut.FindAll("[data-testid=import-errors]"));
            Assert.Empty(cut.FindAll("[data-testid=ignore-unknown]"));
            Assert.Contains(cut.FindAll("tbody tr"), r => r.TextContent.Contains("exam.csv", StringComparison.Ordinal));
        });
        await using (var db = await host.DbAsync())
        {
            Assert.Equal(["Loans", "Deposits", "Bonds", "Bills"], (await db.SeedItems.SingleAsync()).Options);
        }
    }
}
