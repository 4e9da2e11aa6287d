using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace DeepFinance.Core.Llm;

/// <summary>Where synthesizer calls may go (section <c>DeepFinance:Endpoints</c>).</summary>
public sealed class EndpointOptions
{
    public const string SectionName = "DeepFinance:Endpoints";

    /// <summary>
    /// Host names a synthesizer may call: exact (<c>api.openai.com</c>) or a leading wildcard (<c>*.openai.azure.com</c>).
    /// Empty: any host. A host named here exactly may also be on a private network.
    /// </summary>
    public List<string> AllowedHosts { get; set; } = [];

    /// <summary>Whether hosts on loopback, private or link-local addresses may be called without being named in <see cref="AllowedHosts"/>.</summary>
    public bool AllowPrivateNetworks { get; set; }
}

/// <summary>A call or a base URL refused by <see cref="EndpointPolicy"/>: nothing was sent; the message names the host and the setting.</summary>
public sealed class EndpointNotAllowedException(string message) : Exception(message);

/// <summary>
/// The one rule for where synthesizer requests may go, so an Operator cannot use the connection test or a run to
/// reach, or probe, hosts inside the network (SSRF). Checked when a base URL is saved and again, with the host's
/// current DNS answer, before every call. Always allowed: the in-app simulator (<c>self:</c>, this server) and the
/// origins of synthesizers defined in configuration, which the deployer chose.
/// </summary>
public sealed class EndpointPolicy(IOptions<EndpointOptions> options, IConfiguration configuration)
{
    public const string AllowedHostsSetting = EndpointOptions.SectionName + ":AllowedHosts";
    public const string AllowPrivateSetting = EndpointOptions.SectionName + ":AllowPrivateNetworks";

    private readonly Lazy<HashSet<string>> _configuredOrigins = new(() => SynthesizerCatalog.ReadConfigured(configuration).Values
        .Select(o => Uri.TryCreate(o.BaseUrl, UriKind.Absolute, out var u) && u.Scheme is "http" or "https" ? Origin(u) : null)
        .OfType<string>().ToHashSet(StringComparer.OrdinalIgnoreCase));

    /// <summary>Why <paramref name="baseUrl"/> may not be saved, or null. Unparsable URLs are left to the field validation.</summary>
    public async Task<string?> RefusalForBaseUrlAsync(string baseUrl, CancellationToken ct = default)
    {
        if (baseUrl.StartsWith(SynthesizerCatalog.SelfScheme, StringComparison.Ordinal) || !Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri)
            || uri.Scheme is not ("http" or "https"))
        {
            return null;
        }
        return await RefusalAsync(uri, ct);
    }

    /// <summary>Throws <see cref="EndpointNotAllowedException"/> when <paramref name="endpoint"/> may not be called for <paramref name="profile"/>.</summary>
    public async Task EnsureAllowedAsync(Uri endpoint, SynthesizerProfile profile, CancellationToken ct)
    {
        if (profile.BaseUrl.StartsWith(SynthesizerCatalog.SelfScheme, StringComparison.Ordinal))
        {
            return;
        }
        if (await RefusalAsync(endpoint, ct) is { } refusal)
        {
            throw new EndpointNotAllowedException($"not called: {refusal}");
        }
    }

    private async Task<string?> RefusalAsync(Uri uri, CancellationToken ct)
    {
        if (_configuredOrigins.Value.Contains(Origin(uri)))
        {
            return null;
        }
        var o = options.Value;
        var host = uri.IdnHost.TrimEnd('.');
        if (o.AllowedHosts.Count > 0 && !o.AllowedHosts.Any(pattern => Matches(pattern, host)))
        {
            return $"the host {host} is not in {AllowedHostsSetting} ({string.Join(", ", o.AllowedHosts)}); an Admin can add it there.";
        }
        if (o.AllowPrivateNetworks || o.AllowedHosts.Any(p => !p.Contains('*', StringComparison.Ordinal) && Matches(p, host)))
        {
            return null;
        }
        IPAddress[] addresses;
        if (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var literal))
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                addresses = await ResolveAsync(host, ct);
            }
            catch (SocketException)
            {
                // Unknown today; checked again before every call, and the call itself reports the failed lookup.
                return null;
            }
        }
        return addresses.FirstOrDefault(IsPrivate) is { } inside
            ? $"the host {host} is on a private network ({inside}); such hosts are refused unless {AllowPrivateSetting} is true or {AllowedHostsSetting} names the host."
            : null;
    }

    // Runs call the same few hosts thousands of times; a short cache keeps a DNS lookup off every request.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (DateTime Until, IPAddress[] Addresses)> _dns = new(StringComparer.OrdinalIgnoreCase);

    private async Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct)
    {
        if (_dns.TryGetValue(host, out var cached) && cached.Until > DateTime.UtcNow)
        {
            return cached.Addresses;
        }
        var addresses = await Dns.GetHostAddressesAsync(host, ct);
        _dns[host] = (DateTime.UtcNow.AddSeconds(30), addresses);
        return addresses;
    }

    /// <summary>A host name, <c>*.</c> and a domain, or <c>*</c>.</summary>
    public static bool IsValidPattern(string? pattern)
    {
        var p = pattern?.Trim() ?? "";
        var rest = p.StartsWith("*.", StringComparison.Ordinal) ? p[2..] : p;
        return p == "*" || (rest.Length > 0 && !rest.Contains('*', StringComparison.Ordinal) && Uri.CheckHostName(rest) != UriHostNameType.Unknown);
    }

    /// <summary>Exact, case-insensitive host names; <c>*.example.com</c> matches any sub-domain (not example.com itself); <c>*</c> matches all.</summary>
    public static bool Matches(string pattern, string host)
    {
        pattern = pattern.Trim().TrimEnd('.');
        if (pattern == "*")
        {
            return true;
        }
        return pattern.StartsWith("*.", StringComparison.Ordinal)
            ? host.EndsWith(pattern[1..], StringComparison.OrdinalIgnoreCase) && host.Length > pattern.Length - 1
            : string.Equals(pattern, host, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Loopback, private (RFC 1918, CGNAT, IPv6 unique-local), link-local (cloud metadata), unspecified and multicast addresses.</summary>
    public static bool IsPrivate(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            return true;
        }
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] is 0 or 10 or 127 || b[0] >= 224
                || (b[0] == 172 && b[1] is >= 16 and <= 31)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 169 && b[1] == 254)
                || (b[0] == 100 && b[1] is >= 64 and <= 127);
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var b = address.GetAddressBytes();
            return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || (b[0] & 0xFE) == 0xFC;
        }
        return true;
    }

    private static string Origin(Uri uri) => $"{uri.Scheme}://{uri.IdnHost}:{uri.Port}";
}
