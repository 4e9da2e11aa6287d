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

public sealed class SeedSourcesPreviewTests
{
    [Fact]
    public async Task The_preview_shows_the_first_rows_mapped_and_a_bad_row_by_element_and_field_then_the_mapped_file_imports()
    {
        TestCulture.Use("en");
        await using var host = await UiTestHost.CreateAsync();
        var cut = host.Context.Render<SeedSources>();
        // Options as a Python dict inside a string, as several public exam sets ship them.
        var bad = """
            [{"question": "Which is a liability?", "options": "{'A': 'Loans', 'B': \"Customers' deposits\"}", "answer": "B"},
             {"question": "Pick the equity.", "options": "['Stock', 'Bond']", "answer": "C"}]
            """;

        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(bad, "exam.json"));
        cut.WaitForAssertion(() => Assert.Contains("exam.json", cut.Find("[data-testid=seed-file-name]").TextContent, StringComparison.Ordinal));
        cut.Find("button[data-testid=seed-preview]").Click();

        cut.WaitForAssertion(() =>
        {
            var rows = cut.FindAll("[data-testid=preview-rows] tbody tr");
            var cells = Assert.Single(rows).QuerySelectorAll("td").Select(td => td.TextContent.Trim()).ToList();
            Assert.Equal("element 1", cells[0]);
            Assert.Equal(("A. Loans · B. Customers' deposits", "B"), (cells[3], cells[4]));
            var problem = cut.Find("[data-testid=preview-problems] tbody tr").QuerySelectorAll("td").Select(td => td.TextContent.Trim()).ToList();
            Assert.Equal(["element 2", "answer"], problem.Take(2));
            Assert.Contains("names option C", problem[2], StringComparison.Ordinal);
        });
        await using (var db = await host.DbAsync())
        {
            Assert.Equal(0, await db.SeedSources.CountAsync());
        }

        var good = bad.Replace("\"answer\": \"C\"", "\"answer\": \"A\"", StringComparison.Ordinal);
        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(good, "exam-good.json"));
        cut.WaitForAssertion(() => Assert.Contains("exam-good.json", cut.Find("[data-testid=seed-file-name]").TextContent, StringComparison.Ordinal));
        cut.Find("button[data-testid=seed-preview]").Click();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=preview-rows] tbody tr").Count));
        cut.Find("button[data-testid=seed-import]").Click();

        cut.WaitForAssertion(() => Assert.Contains(cut.FindAll("tbody tr"), r => r.TextContent.Contains("exam-good.json", StringComparison.Ordinal)));
        await using (var db = await host.DbAsync())
        {
            var items = await db.SeedItems.OrderBy(i => i.LineNumber).ToListAsync();
            Assert.Equal(["Loans", "Customers' deposits"], items[0].Options);
            Assert.Equal(["Stock", "Bond"], items[1].Options);
            Assert.Equal("A", items[1].Answer);
        }
    }
}
