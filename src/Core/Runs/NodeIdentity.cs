using System.Security.Cryptography;
using System.Text;
using DeepFinance.Core.Data;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace DeepFinance.Core.Runs;

/// <summary>
/// Who holds a lease. Stable across restarts of the same installation (machine and data directory, or
/// <c>DeepFinance:Node:Id</c>), so a restarted node recognises the leases its killed predecessor held
/// and takes them back at once instead of waiting for them to expire.
/// </summary>
public sealed class NodeIdentity(IConfiguration configuration, IOptions<DataOptions> data)
{
    private readonly Lazy<string> _id = new(() =>
    {
        var configured = configuration["DeepFinance:Node:Id"];
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured.Trim();
        }
        var where = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(data.Value.FullDataDirectory)))[..8];
        return $"{Environment.MachineName}-{where}";
    });

    public string Id => _id.Value;
}
