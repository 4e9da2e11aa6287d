using System.Net;
using DeepFinance.Core.Llm;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace DeepFinance.Core.Tests.Llm;

/// <summary>Issue 8, SSRF: which addresses count as inside the network, how allow-list entries match, and DNS names that resolve inside.</summary>
public sealed class EndpointPolicyTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.8.9.10")]
    [InlineData("10.0.0.5")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.1.1")]
    [InlineData("169.254.169.254")]
    [InlineData("100.64.0.1")]
    [InlineData("0.0.0.0")]
    [InlineData("::1")]
    [InlineData("::")]
    [InlineData("fe80::1")]
    [InlineData("fd12:3456::1")]
    [InlineData("::ffff:10.1.2.3")]
    [InlineData("::ffff:127.0.0.1")]
    public void Ssrf_internal_addresses_are_private(string address) => Assert.True(EndpointPolicy.IsPrivate(IPAddress.Parse(address)));

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("172.32.0.1")]
    [InlineData("192.169.0.1")]
    [InlineData("100.128.0.1")]
    [InlineData("2606:4700::1111")]
    public void Ssrf_public_addresses_are_not_private(string address) => Assert.False(EndpointPolicy.IsPrivate(IPAddress.Parse(address)));

    [Theory]
    [InlineData("*.openai.azure.com", "bank.openai.azure.com", true)]
    [InlineData("*.openai.azure.com", "a.b.openai.azure.com", true)]
    [InlineData("*.openai.azure.com", "openai.azure.com", false)]
    [InlineData("*.openai.azure.com", "evilopenai.azure.com", false)]
    [InlineData("*.openai.azure.com", "openai.azure.com.evil.example", false)]
    [InlineData("api.deepseek.com", "API.DeepSeek.com", true)]
    [InlineData("api.deepseek.com", "api.deepseek.com.evil.example", false)]
    [InlineData("*", "anything.example", true)]
    public void Ssrf_allowed_host_patterns_match_exactly_or_by_subdomain(string pattern, string host, bool matches) =>
        Assert.Equal(matches, EndpointPolicy.Matches(pattern, host));

    [Theory]
    [InlineData("api.openai.com", true)]
    [InlineData("*.openai.azure.com", true)]
    [InlineData("*", true)]
    [InlineData("api.*.com", false)]
    [InlineData("*openai.com", false)]
    [InlineData("", false)]
    public void Ssrf_allow_list_entries_are_validated(string pattern, bool valid) => Assert.Equal(valid, EndpointPolicy.IsValidPattern(pattern));

    private static EndpointPolicy Policy(EndpointOptions options, IDictionary<string, string?>? configuration = null) =>
        new(Options.Create(options), new ConfigurationBuilder().AddInMemoryCollection(configuration ?? new Dictionary<string, string?>()).Build());

    [Fact]
    public async Task Ssrf_a_host_name_that_resolves_to_loopback_is_refused_naming_the_host_and_setting()
    {
        var refusal = await Policy(new EndpointOptions()).RefusalForBaseUrlAsync("http://localhost:8000/v1");

        Assert.NotNull(refusal);
        Assert.Contains("localhost", refusal, StringComparison.Ordinal);
        Assert.Contains("DeepFinance:Endpoints:AllowPrivateNetworks", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ssrf_naming_a_private_host_exactly_or_allowing_private_networks_admits_it()
    {
        Assert.Null(await Policy(new EndpointOptions { AllowedHosts = ["localhost"] }).RefusalForBaseUrlAsync("http://localhost:8000/v1"));
        Assert.Null(await Policy(new EndpointOptions { AllowPrivateNetworks = true }).RefusalForBaseUrlAsync("http://10.0.0.5:8000/v1"));
        // A wildcard does not open private addresses.
        Assert.NotNull(await Policy(new EndpointOptions { AllowedHosts = ["*"] }).RefusalForBaseUrlAsync("http://10.0.0.5:8000/v1"));
    }

    [Fact]
    public async Task Ssrf_configured_synthesizer_origins_and_the_in_app_simulator_are_always_allowed()
    {
        var policy = Policy(new EndpointOptions { AllowedHosts = ["api.vendor.example"] },
            new Dictionary<string, string?> { ["DeepFinance:Synthesizers:ollama:BaseUrl"] = "http://localhost:11434/v1", ["DeepFinance:Synthesizers:ollama:Model"] = "m" });

        Assert.Null(await policy.RefusalForBaseUrlAsync("http://localhost:11434/v1"));
        Assert.Null(await policy.RefusalForBaseUrlAsync("self:/sim/v1"));
        // Another port on the same host is another origin.
        Assert.NotNull(await policy.RefusalForBaseUrlAsync("http://localhost:11435/v1"));
    }
}
