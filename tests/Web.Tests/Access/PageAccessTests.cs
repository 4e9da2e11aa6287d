using System.Net;
using System.Reflection;
using System.Text.RegularExpressions;
using DeepFinance.Web.Tests.TestSupport;
using Microsoft.AspNetCore.Components;

namespace DeepFinance.Web.Tests.Access;

/// <summary>
/// Every <c>@page</c> of the app (found by reflection), requested by an anonymous visitor and by a
/// person of each single role signed in through the real sign-in form, against DESIGN's access table.
/// </summary>
public sealed partial class PageAccessTests : IClassFixture<RoleUsersApp>
{
    private static readonly string[] Everyone = RoleUsersApp.Everyone;
    private static readonly string[] Operators = RoleUsersApp.Operators;
    private static readonly string[] Admins = RoleUsersApp.Admins;
    private static readonly string[] Open = [];

    /// <summary>DESIGN's access table for pages. A page missing here fails the test.</summary>
    private static readonly Dictionary<string, string[]> Table = new()
    {
        ["/"] = Everyone,
        ["/traces"] = Everyone,
        ["/traces/{Id:long}"] = Everyone,
        // Questions, lineage and knowledge points (#12): desensitized text only, so every role.
        ["/questions"] = Everyone,
        ["/questions/{Id:long}"] = Everyone,
        ["/knowledge-points"] = Everyone,
        ["/knowledge-points/{Id:long}"] = Everyone,
        ["/operate/seeds"] = Operators,
        ["/operate/runs"] = Operators,
        ["/operate/runs/new"] = Operators,
        ["/operate/runs/{Id:long}"] = Operators,
        ["/operate/synthesizers"] = Operators,
        ["/operate/releases"] = Operators,
        ["/operate/releases/{Id:long}"] = Operators,
        ["/operate/benchmarks"] = Operators,
        ["/operate/prompts"] = Operators,
        ["/admin/users"] = Admins,
        ["/admin/audit"] = Admins,
        ["/review"] = RoleUsersApp.Reviewers,
        ["/review/{Id:long}"] = RoleUsersApp.Reviewers,
        // Real-world queries (#10): the workbench shows raw text, so Experts and Admins only; settings are Admin's.
        ["/annotate"] = ["Admin", "Expert"],
        ["/annotate/{Id:long}"] = ["Admin", "Expert"],
        ["/annotate/import"] = ["Admin", "Expert"],
        ["/admin/annotation"] = Admins,
        ["/not-found"] = Open,
        ["/Error"] = Open,
    };

    private readonly DeepFinanceApp _app;

    public PageAccessTests(RoleUsersApp fixture) => _app = fixture.Host;


    /// <summary>Routable components outside the Identity account pages, which have their own rules.</summary>
    private static IEnumerable<string> Pages() => typeof(Program).Assembly.GetTypes()
        .Where(t => typeof(IComponent).IsAssignableFrom(t) && t.Namespace?.Contains(".Account", StringComparison.Ordinal) != true)
        .SelectMany(t => t.GetCustomAttributes<RouteAttribute>()).Select(r => r.Template).Distinct();

    [Fact]
    public void Every_page_is_in_the_access_table()
    {
        var pages = Pages().ToList();
        Assert.True(pages.Count >= 10, $"only {pages.Count} pages found");
        Assert.All(pages, p => Assert.True(Table.ContainsKey(p), $"page {p} is not in the access table"));
    }

    [Fact]
    public async Task Anonymous_visitors_are_sent_to_sign_in_from_every_protected_page()
    {
        using var client = Client();
        foreach (var page in Pages().Where(p => Table[p].Length > 0))
        {
            var response = await client.GetAsync(Concrete(page));
            Assert.True(response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location!.ToString().Contains("/Account/Login", StringComparison.Ordinal),
                $"{page} gave {(int)response.StatusCode} {response.Headers.Location} to an anonymous visitor");
        }
    }

    [Theory]
    [InlineData("Admin")]
    [InlineData("Operator")]
    [InlineData("Expert")]
    [InlineData("Reviewer")]
    public async Task Each_role_opens_exactly_the_pages_the_table_allows(string role)
    {
        using var client = await SignedInClientAsync(RoleUsersApp.UserOf(role));
        foreach (var page in Pages().Where(p => Table[p].Length > 0))
        {
            var response = await client.GetAsync(Concrete(page));
            var allowed = Table[page].Contains(role);
            if (allowed)
            {
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{role}: {page} gave {(int)response.StatusCode} {response.Headers.Location}, but the table allows it");
            }
            else
            {
                Assert.True(response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location!.ToString().Contains("AccessDenied", StringComparison.Ordinal),
                    $"{role}: {page} gave {(int)response.StatusCode} {response.Headers.Location}, but the table forbids it");
            }
        }
    }

    private HttpClient Client() => new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() })
    {
        BaseAddress = _app.BaseAddress,
    };

    private async Task<HttpClient> SignedInClientAsync(string email)
    {
        var client = Client();
        var page = await client.GetStringAsync("/Account/Login");
        // The sign-in form's own fields only: the page also carries the language switcher's forms.
        var form = LoginForm().Match(page).Value;
        var fields = HiddenInput().Matches(form).ToDictionary(m => WebUtility.HtmlDecode(m.Groups["name"].Value), m => WebUtility.HtmlDecode(m.Groups["value"].Value));
        fields["Input.Email"] = email;
        fields["Input.Password"] = DeepFinanceApp.Password;
        var response = await client.PostAsync("/Account/Login", new FormUrlEncodedContent(fields));
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"sign-in as {email} gave {(int)response.StatusCode}");
        return client;
    }

    // A page id that exists: the demo corpus run pages are not needed; 1 is enough for routing and authorization.
    private static string Concrete(string template) => Regex.Replace(template, @"\{[^}]+\}", "1");

    [GeneratedRegex("<form(?:(?!</form>).)*Input\\.Email(?:(?!</form>).)*</form>", RegexOptions.Singleline)]
    private static partial Regex LoginForm();

    [GeneratedRegex("<input[^>]*type=\"hidden\"[^>]*name=\"(?<name>[^\"]+)\"[^>]*value=\"(?<value>[^\"]*)\"", RegexOptions.IgnoreCase)]
    private static partial Regex HiddenInput();
}
