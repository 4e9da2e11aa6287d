using System.Net;
using DeepFinance.Web.Tests.TestSupport;
using Microsoft.AspNetCore.Hosting;

namespace DeepFinance.Web.Tests.Hosting;

/// <summary>
/// A developer runs the app with <c>ASPNETCORE_ENVIRONMENT=Development</c>, where the container checks every
/// registration at start (a singleton may not hold a scoped service). Every other test starts in Production, where
/// nothing checks, so this one keeps such a mistake from reaching only the people who work on the code.
/// </summary>
public sealed class DevelopmentStartTests
{
    [Fact]
    public async Task The_app_starts_in_Development_with_every_registration_validated_and_serves_the_sign_in_page()
    {
        using var app = new DeepFinanceApp(configure: b => b.UseEnvironment("Development"));
        using var client = app.Anonymous();

        var response = await client.GetAsync("/Account/Login");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
