using System.Globalization;
using System.Resources;
using Bunit;
using DeepFinance.Core.Audit;
using DeepFinance.Web.Security;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Extensions;
using AuditPage = DeepFinance.Web.Components.Pages.Admin.Audit;
using UsersPage = DeepFinance.Web.Components.Pages.Admin.Users;

namespace DeepFinance.Web.Tests.Users;

public sealed class AdminPagesTests
{
    private static List<string> Emails(IRenderedComponent<UsersPage> cut) =>
        cut.FindAll("[data-testid=user-email]").Select(e => e.TextContent.Trim()).ToList();

    [Fact]
    public async Task The_users_page_lists_users_from_the_identity_database_with_roles_and_status()
    {
        CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("en");
        await using var host = await AdminUiHost.CreateAsync();
        await host.AddUserAsync("carol@test.local", disabled: true, Roles.Expert);
        await host.AddUserAsync("bob@test.local", disabled: false, Roles.Operator, Roles.Reviewer);

        var cut = host.Context.Render<UsersPage>();

        cut.WaitForAssertion(() => Assert.Equal(["admin@test.local", "bob@test.local", "carol@test.local"], Emails(cut)));
        Assert.Contains("3 users", cut.Find("[data-testid=user-total]").TextContent, StringComparison.Ordinal);
        var rows = cut.FindAll("table tbody tr").Where(r => r.QuerySelector("[data-testid=user-email]") is not null).ToList();
        Assert.Equal("disabled", rows[2].QuerySelector("[data-status]")!.GetAttribute("data-status"));
        Assert.Equal("active", rows[1].QuerySelector("[data-status]")!.GetAttribute("data-status"));
        // bob's row: Operator and Reviewer ticked, Admin and Expert not (checkboxes in Roles.All order).
        var bobBoxes = cut.FindComponents<MudCheckBox<bool>>().Skip(Roles.All.Length).Take(Roles.All.Length).Select(c => c.Instance.GetState(x => x.Value)).ToList();
        Assert.Equal([false, true, false, true], bobBoxes);

        var search = cut.FindComponents<MudTextField<string>>().Single(t => t.Instance.Label == "Search email");
        await cut.InvokeAsync(() => search.Instance.ValueChanged.InvokeAsync("car"));
        cut.WaitForAssertion(() => Assert.Equal(["carol@test.local"], Emails(cut)));
    }

    [Fact]
    public async Task The_create_dialog_shows_identity_password_errors_in_plain_words_then_creates_the_user()
    {
        CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("en");
        await using var host = await AdminUiHost.CreateAsync();
        var cut = host.Context.Render<UsersPage>();
        cut.WaitForAssertion(() => Assert.Single(Emails(cut)));

        cut.Find("button[data-testid=user-new]").Click();
        host.Dialogs.WaitForAssertion(() => Assert.NotNull(host.Dialogs.Find("input[type=password]")));
        host.Dialogs.Find("input[type=email]").Input("dave@test.local");
        host.Dialogs.Find("input[type=password]").Input("short");
        var operatorBox = host.Dialogs.FindComponents<MudCheckBox<bool>>().Single(c => c.Instance.Label == "Operator");
        await host.Dialogs.InvokeAsync(() => operatorBox.Instance.ValueChanged.InvokeAsync(true));
        host.Dialogs.Find("button[data-testid=create-submit]").Click();

        host.Dialogs.WaitForAssertion(() =>
        {
            var errors = host.Dialogs.Find("[data-testid=create-errors]");
            Assert.Contains("The user was not created", errors.TextContent, StringComparison.Ordinal);
            Assert.Contains("The password must be at least 6 characters long.", errors.TextContent, StringComparison.Ordinal);
            Assert.Contains("The password needs at least one digit (0-9).", errors.TextContent, StringComparison.Ordinal);
        });
        Assert.Null(await host.FindUserAsync("dave@test.local"));

        host.Dialogs.Find("input[type=password]").Input("Much-Better-Passw0rd");
        host.Dialogs.Find("button[data-testid=create-submit]").Click();

        cut.WaitForAssertion(() => Assert.Equal(["admin@test.local", "dave@test.local"], Emails(cut)));
        host.Dialogs.WaitForAssertion(() => Assert.Empty(host.Dialogs.FindAll("input[type=password]")));
        var (_, entries) = await host.Services.GetRequiredService<AuditLog>().QueryAsync(new AuditFilter(Action: "user.created"));
        var entry = Assert.Single(entries);
        Assert.Equal(("admin@test.local", "user:dave@test.local"), (entry.Actor, entry.Subject));
        Assert.Equal("""{"roles":["Operator"],"disabled":false}""", entry.After);
    }

    [Fact]
    public async Task Removing_the_admin_role_from_the_last_admin_is_refused_in_plain_words()
    {
        CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("en");
        await using var host = await AdminUiHost.CreateAsync();
        var cut = host.Context.Render<UsersPage>();
        cut.WaitForAssertion(() => Assert.Single(Emails(cut)));

        cut.Find("button[data-testid=user-disable]").Click();

        cut.WaitForAssertion(() => Assert.Contains("This is the last active admin: make another user an admin first.",
            cut.Find("[data-testid=user-error]").TextContent, StringComparison.Ordinal));
        Assert.Equal("active", cut.Find("[data-status]").GetAttribute("data-status"));
    }

    [Fact]
    public async Task The_users_page_speaks_chinese_for_zh_CN()
    {
        CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("zh-CN");
        await using var host = await AdminUiHost.CreateAsync();

        var cut = host.Context.Render<UsersPage>();

        cut.WaitForAssertion(() => Assert.Contains("用户管理", cut.Find("h4").TextContent, StringComparison.Ordinal));
        Assert.Contains("新建用户", cut.Find("button[data-testid=user-new]").TextContent, StringComparison.Ordinal);
        Assert.Contains("管理员", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_audit_page_pages_and_filters_entries_and_links_the_csv_with_the_same_filters()
    {
        CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("en");
        await using var host = await AdminUiHost.CreateAsync();
        var log = host.Services.GetRequiredService<AuditLog>();
        for (var i = 0; i < 30; i++)
        {
            await log.WriteAsync("admin@test.local", i % 3 == 0 ? "user.disabled" : "run.launched", $"thing:{i}",
                new { disabled = false }, new { disabled = true });
        }

        var cut = host.Context.Render<AuditPage>();

        cut.WaitForAssertion(() => Assert.Equal(30, cut.FindAll("[data-testid=audit-action]").Count));
        Assert.Contains("{\"disabled\":true}", cut.Find("[data-testid=audit-after]").TextContent, StringComparison.Ordinal);
        var action = cut.FindComponents<MudTextField<string>>().Single(t => t.Instance.Label == "Action");
        await cut.InvokeAsync(() => action.Instance.ValueChanged.InvokeAsync("user."));

        cut.WaitForAssertion(() =>
        {
            Assert.Equal(10, cut.FindAll("[data-testid=audit-action]").Count);
            Assert.All(cut.FindAll("[data-testid=audit-action]"), a => Assert.Equal("user.disabled", a.TextContent));
        });
        Assert.Contains("10 entries", cut.Find("[data-testid=audit-total]").TextContent, StringComparison.Ordinal);
        var csv = cut.Find("a[data-testid=audit-csv]");
        Assert.Equal("api/v1/audit.csv?action=user.", csv.GetAttribute("href"));
        Assert.NotNull(csv.GetAttribute("download"));
    }

    [Theory]
    [InlineData("Users")]
    [InlineData("Audit")]
    public void Admin_resources_have_the_same_keys_in_both_languages_and_no_chinese_copy_of_the_english(string component)
    {
        var resources = new ResourceManager($"DeepFinance.Web.Resources.Components.Pages.Admin.{component}", typeof(UsersPage).Assembly);
        var en = Strings(resources.GetResourceSet(CultureInfo.InvariantCulture, createIfNotExists: true, tryParents: false)!);
        var zh = Strings(resources.GetResourceSet(CultureInfo.GetCultureInfo("zh-CN"), createIfNotExists: true, tryParents: false)!);

        Assert.NotEmpty(en);
        Assert.Equal(en.Keys.Order(StringComparer.Ordinal), zh.Keys.Order(StringComparer.Ordinal));
        Assert.All(en, kv => Assert.NotEqual(kv.Value, zh[kv.Key]));
    }

    private static Dictionary<string, string> Strings(ResourceSet set) =>
        set.Cast<System.Collections.DictionaryEntry>().ToDictionary(e => (string)e.Key, e => (string)e.Value!);
}
