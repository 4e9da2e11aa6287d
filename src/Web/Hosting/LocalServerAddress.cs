using DeepFinance.Core.Llm;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace DeepFinance.Web.Hosting;

/// <summary>This server's own loopback address, so the mounted simulator is called over real HTTP, and the key it takes.</summary>
public sealed class LocalServerAddress(IServer server, SimulatorKey? simulatorKey = null) : ILocalServerAddress
{
    public string? SimulatorKey => simulatorKey?.Value;

    public Uri? BaseAddress
    {
        get
        {
            var address = server.Features.Get<IServerAddressesFeature>()?.Addresses
                .OrderBy(a => a.StartsWith("https", StringComparison.OrdinalIgnoreCase) ? 1 : 0).FirstOrDefault();
            if (address is null)
            {
                return null;
            }
            // Wildcard bindings are reachable on loopback.
            address = address.Replace("://+", "://127.0.0.1", StringComparison.Ordinal)
                .Replace("://*", "://127.0.0.1", StringComparison.Ordinal)
                .Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal)
                .Replace("://[::]", "://127.0.0.1", StringComparison.Ordinal);
            return new Uri(address.TrimEnd('/') + "/");
        }
    }
}
