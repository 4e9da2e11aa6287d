using System.Text;
using Bunit;
using DeepFinance.Core.Extraction;
using DeepFinance.Core.Runs;
using DeepFinance.Web.Components.Pages.Operate;
using DeepFinance.Web.Tests.Localization;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Web.Tests.Components;

public sealed class DocumentsPageTests
{
    [Fact]
    public async Task Imported_documents_are_listed_and_a_click_shows_their_passages_and_the_launcher_offers_the_set_for_extract()
    {
        TestCulture.Use("en");
        await using var host = await UiTestHost.CreateAsync();
        var md = new DocumentUpload("report.md", new MemoryStream(Encoding.UTF8.GetBytes("# Report\n\n## Risk\n\nThe NPL ratio was 1.12%.\n\n## Capital\n\nThe capital ratio was 13.6%.")));
        var set = await host.Services.GetRequiredService<DocumentImporter>().ImportAsync("bank-docs", [md], new ChunkingOptions(), "test");

        var cut = host.Context.Render<Documents>();
        cut.WaitForAssertion(() => Assert.Contains("report.md", cut.Find("[data-testid=document-grid]").TextContent, StringComparison.Ordinal));
        Assert.Contains("bank-docs", cut.Find("[data-testid=document-grid]").TextContent, StringComparison.Ordinal);

        cut.Find("[data-testid=document-grid] tbody tr").Click();
        cut.WaitForAssertion(() => Assert.Contains("The capital ratio was 13.6%.", cut.Find("[data-testid=passage-grid]").TextContent, StringComparison.Ordinal));
        Assert.Contains("Report › Risk", cut.Find("[data-testid=passage-grid]").TextContent, StringComparison.Ordinal);

        // The launcher opened from a document row has the extract kind and the set chosen; launching makes an extract run.
        host.Services.GetRequiredService<NavigationManager>().NavigateTo($"operate/runs/new?kind=extract&documentSet={set.DocumentSetId}");
        var launcher = host.Context.Render<LaunchRun>();
        launcher.WaitForAssertion(() => Assert.Contains("bank-docs", launcher.Find("[data-testid=launch-document-set]").TextContent, StringComparison.Ordinal));
        launcher.Find("button[data-testid=launch-button]").Click();
        var runs = host.Services.GetRequiredService<RunService>();
        await launcher.WaitForAssertionAsync(async () =>
        {
            var (total, items) = await runs.ListAsync(1, 10);
            Assert.Equal(1, total);
            Assert.Equal("extract", items[0].Kind);
        });
    }
}
