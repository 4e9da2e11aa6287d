using System.Net;
using Bunit.TestDoubles;
using DeepFinance.Web.Components.Account;
using DeepFinance.Web.Tests.TestSupport;

namespace DeepFinance.Web.Tests.Api;

/// <summary>Account pages answer strangers and odd return addresses with a redirect, never a 500.</summary>
public sealed class AccountErrorTests(Q2aFlowTests.App fixture) : IClassFixture<Q2aFlowTests.App>
{
    [Fact]
    public async Task The_two_factor_page_sends_a_stranger_to_sign_in()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = fixture.Host.BaseAddress };
        var response = await http.GetAsync("/Account/LoginWith2fa");
        Assert.True(response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found, $"got {(int)response.StatusCode}");
        Assert.Contains("Account/Login", response.Headers.Location!.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://evil.example/steal", "http://localhost/")]
    [InlineData("//evil.example/steal", "http://localhost/")]
    [InlineData("http://localhost/operate/runs", "http://localhost/operate/runs")]
    [InlineData("operate/runs/3", "http://localhost/operate/runs/3")]
    public void A_return_address_off_this_site_goes_home_and_one_on_it_is_kept(string returnUrl, string landed)
    {
        var navigation = new BunitNavigationManager(new Bunit.BunitContext());
        new IdentityRedirectManager(navigation).RedirectTo(returnUrl);
        Assert.Equal(landed, navigation.Uri);
    }
}
