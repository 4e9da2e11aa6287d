using System.Net;
using System.Text;
using DeepFinance.Web.Tests.TestSupport;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Web.Tests.Api;

/// <summary>
/// Every API route from the app's own endpoint data source, called by an anonymous caller and by a
/// user of each single role, against DESIGN's access table written out here independently of the code.
/// </summary>
public sealed class ApiAccessTests : IClassFixture<RoleUsersApp>
{

    private static readonly string[] Everyone = RoleUsersApp.Everyone;
    private static readonly string[] Operators = RoleUsersApp.Operators;
    private static readonly string[] Admins = RoleUsersApp.Admins;
    private static readonly string[] Reviewers = RoleUsersApp.Reviewers;
    private static readonly string[] Experts = ["Admin", "Expert"];

    /// <summary>DESIGN's access table for the API. A route missing here fails the test.</summary>
    private static readonly Dictionary<string, string[]> Table = new()
    {
        ["POST api/v1/auth/login"] = [],
        ["POST api/v1/auth/refresh"] = [],
        ["POST api/v1/seed-sources"] = Operators,
        ["GET api/v1/seed-sources"] = Operators,
        ["POST api/v1/seed-sources/preview"] = Operators, ["GET api/v1/seed-mappings"] = Operators, ["POST api/v1/seed-mappings"] = Operators,
        ["POST api/v1/runs"] = Operators,
        ["POST api/v1/runs/estimate"] = Operators,
        ["GET api/v1/runs"] = Operators,
        ["GET api/v1/runs/{id:long}"] = Operators,
        ["POST api/v1/runs/{id:long}/cancel"] = Operators,
        ["POST api/v1/runs/{id:long}/resume"] = Operators,
        ["POST api/v1/runs/{id:long}/reverify"] = Operators,
        ["GET api/v1/runs/{id:long}/reverifications"] = Operators,
        ["GET api/v1/runs/{id:long}/pass-rates"] = Operators,
        ["GET api/v1/runs/{id:long}/traces"] = Everyone,
        ["GET api/v1/traces/{id:long}"] = Everyone,
        ["GET api/v1/synthesizers"] = Operators,
        ["POST api/v1/synthesizers"] = Operators,
        ["PUT api/v1/synthesizers/{name}"] = Operators,
        ["PUT api/v1/synthesizers/{name}/key"] = Admins,
        ["POST api/v1/synthesizers/{name}/test"] = Operators,
        ["GET api/v1/synthesizers/{name}/prices"] = Operators,
        ["GET api/v1/users"] = Admins,
        ["POST api/v1/users"] = Admins,
        ["PUT api/v1/users/{id}/roles"] = Admins,
        ["POST api/v1/users/{id}/disable"] = Admins,
        ["POST api/v1/users/{id}/enable"] = Admins,
        ["POST api/v1/users/{id}/password"] = Admins,
        ["GET api/v1/audit"] = Admins,
        ["GET api/v1/audit.csv"] = Admins,
        ["GET api/v1/reviews"] = Reviewers,
        ["POST api/v1/reviews/{id:long}/reserve"] = Reviewers,
        ["POST api/v1/reviews/{id:long}/release"] = Reviewers,
        ["POST api/v1/reviews/{id:long}/decision"] = Reviewers,
        ["GET api/v1/releases/{id:long}/export"] = Operators,
        ["GET api/v1/releases"] = Operators,
        ["POST api/v1/releases"] = Operators,
        ["GET api/v1/releases/{id:long}"] = Operators,
        ["GET api/v1/releases/{id:long}/items"] = Operators,
        ["GET api/v1/releases/{id:long}/exclusions"] = Operators,
        ["GET api/v1/releases/{id:long}/pii-hits"] = Operators,
        ["POST api/v1/releases/{id:long}/pii-hits/{hitId:long}/fix"] = Operators,
        ["POST api/v1/releases/{id:long}/pii-hits/{hitId:long}/waive"] = Operators,
        ["POST api/v1/benchmarks"] = Operators,
        ["GET api/v1/benchmarks"] = Operators,
        ["POST api/v1/benchmarks/{id:long}/decontaminate"] = Operators,
        ["GET api/v1/benchmarks/{id:long}/hits"] = Operators,
        // Real-world queries (#10): desensitized text to Admin, Operator, Expert; raw text and the workbench to Admin, Expert.
        ["GET api/v1/queries"] = ["Admin", "Operator", "Expert"],
        ["GET api/v1/queries/{id:long}"] = ["Admin", "Operator", "Expert"],
        ["GET api/v1/queries/{id:long}/raw"] = Experts,
        ["POST api/v1/queries"] = Experts,
        ["GET api/v1/queries/queue"] = Experts,
        ["POST api/v1/queries/{id:long}/check"] = Experts,
        ["POST api/v1/queries/{id:long}/annotation"] = Experts,
        ["POST api/v1/queries/{id:long}/adjudication"] = Admins,
        ["POST api/v1/queries/{id:long}/erase"] = Admins,
        ["POST api/v1/queries/imports/{id:long}/erase"] = Admins,
        ["GET api/v1/queries/agreement"] = Everyone,
        ["GET api/v1/annotation/guideline"] = Experts,
        ["POST api/v1/annotation/guidelines"] = Admins,
        ["GET api/v1/annotation/tags"] = Experts,
        ["POST api/v1/annotation/tags"] = Admins,
        ["GET api/v1/questions"] = Everyone,
        ["GET api/v1/questions/{id:long}/lineage"] = Everyone,
        ["GET api/v1/knowledge-points"] = Everyone,
        ["GET api/v1/knowledge-points/{id:long}"] = Everyone,
        ["GET api/v1/runs/{id:long}/yields"] = Operators,
        // Prompt templates (#12): Operators and Admins; a new version is audited.
        ["GET api/v1/prompts"] = Operators,
        ["GET api/v1/prompts/{name}/versions"] = Operators,
        ["GET api/v1/prompts/{name}/versions/{version:int}"] = Operators,
        ["POST api/v1/prompts/{name}/versions"] = Operators,
        ["POST api/v1/prompts/{name}/preview"] = Operators,
        ["GET api/v1/prompts/{name}/items"] = Operators,
        // Documents for the extract run kind (#12).
        ["POST api/v1/documents"] = Operators,
        ["GET api/v1/documents"] = Operators,
        ["GET api/v1/documents/{id:long}/passages"] = Operators,
        ["PUT api/v1/questions/{id:long}/classification"] = Operators,
    };

    private readonly DeepFinanceApp _app;

    public ApiAccessTests(RoleUsersApp fixture) => _app = fixture.Host;

    private IEnumerable<(string Method, string Pattern)> ApiRoutes() =>
        _app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.TrimStart('/').StartsWith("api/", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(m => (m, e.RoutePattern.RawText!.TrimStart('/').TrimEnd('/'))));

    [Fact]
    public void Every_api_route_is_in_the_access_table()
    {
        var routes = ApiRoutes().Select(r => $"{r.Method} {r.Pattern}").ToList();
        Assert.True(routes.Count >= Table.Count, "the endpoint data source lists fewer routes than the table");
        Assert.All(routes, r => Assert.True(Table.ContainsKey(r), $"{r} is not in the access table"));
    }

    [Fact]
    public async Task Anonymous_callers_get_401_on_every_protected_route()
    {
        var client = _app.Anonymous();
        foreach (var (method, pattern) in ApiRoutes().Where(r => Table[$"{r.Method} {r.Pattern}"].Length > 0))
        {
            var response = await client.SendAsync(Request(method, pattern));
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {pattern} gave {(int)response.StatusCode} to an anonymous caller");
        }
    }

    [Theory]
    [InlineData("Admin")]
    [InlineData("Operator")]
    [InlineData("Expert")]
    [InlineData("Reviewer")]
    public async Task Each_role_gets_exactly_what_the_table_allows(string role)
    {
        var client = await _app.SignedInAsync(RoleUsersApp.UserOf(role));
        foreach (var (method, pattern) in ApiRoutes().Where(r => Table[$"{r.Method} {r.Pattern}"].Length > 0))
        {
            var allowed = Table[$"{method} {pattern}"].Contains(role);
            var status = (await client.SendAsync(Request(method, pattern))).StatusCode;
            if (allowed)
            {
                Assert.True(status is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden), $"{role}: {method} {pattern} gave {(int)status}, but the table allows it");
            }
            else
            {
                Assert.True(status == HttpStatusCode.Forbidden, $"{role}: {method} {pattern} gave {(int)status}, but the table forbids it");
            }
        }
    }

    [Fact]
    public async Task The_hangfire_dashboard_refuses_anonymous_callers()
    {
        var response = await _app.Anonymous().GetAsync("/hangfire");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Open_routes_answer_anonymous_callers()
    {
        var client = _app.Anonymous();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/openapi/v1.json")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/sim/stats")).StatusCode);
    }

    private static HttpRequestMessage Request(string method, string pattern)
    {
        var path = "/" + System.Text.RegularExpressions.Regex.Replace(pattern, @"\{[^}]+\}", "999999");
        return new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = method == "GET" ? null : new StringContent("{}", Encoding.UTF8, "application/json"),
        };
    }
}
