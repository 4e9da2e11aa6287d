using System.Net;
using DeepFinance.Web.Tests.Api;
using DeepFinance.Web.Tests.TestSupport;

namespace DeepFinance.Web.Tests.Security;

/// <summary>Issue 8: "GET /hangfire/stats gives a 500".</summary>
public sealed class HangfireStatsTests(Q2aFlowTests.App fixture) : IClassFixture<Q2aFlowTests.App>
{
    private readonly DeepFinanceApp _app = fixture.Host;

    [Fact]
    public async Task Hangfire_stats_get_is_not_a_500()
    {
        using var anonymous = _app.Anonymous();
        var admin = await _app.SignedInAsync();

        var stranger = await anonymous.GetAsync("/hangfire/stats");
        var signedIn = await admin.GetAsync("/hangfire/stats");
        var dashboard = await admin.GetAsync("/hangfire");

        Assert.Equal(HttpStatusCode.Unauthorized, stranger.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, signedIn.StatusCode);
        Assert.Equal("POST", string.Join(",", signedIn.Content.Headers.Allow));
        // The dashboard's own poll, a POST with the metrics it wants, still answers.
        using var poll = new FormUrlEncodedContent([new("metrics[]", "enqueued:count"), new("metrics[]", "failed:count")]);
        var polled = await admin.PostAsync("/hangfire/stats", poll);
        Assert.True((int)polled.StatusCode < 500, $"{(int)polled.StatusCode}: {await polled.Content.ReadAsStringAsync()}");
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
    }
}
