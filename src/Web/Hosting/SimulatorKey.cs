using System.Security.Cryptography;
using DeepFinance.Core.Data;
using DeepFinance.Core.Llm;
using Microsoft.Extensions.Options;

namespace DeepFinance.Web.Hosting;

/// <summary>
/// The key the in-app simulator's chat endpoint takes. From <c>DeepFinance:Simulator:ApiKey</c> when set; otherwise
/// generated once per data directory and kept there encrypted with the same key ring as synthesizer keys, so the
/// offline quick start works with no setting and every node on the data directory agrees on it.
/// Only calls to this server's own simulator (<c>self:</c> base URLs) send it.
/// </summary>
public sealed class SimulatorKey(IConfiguration configuration, IOptions<DataOptions> data, ISecretProtector protector)
{
    public const string ConfigurationKey = "DeepFinance:Simulator:ApiKey";
    public const string FileName = "simulator-key";

    private readonly Lazy<string> _value = new(() => Load(configuration, data.Value, protector));

    public string Value => _value.Value;

    private static string Load(IConfiguration configuration, DataOptions data, ISecretProtector protector)
    {
        if (configuration[ConfigurationKey] is { Length: > 0 } configured)
        {
            return configured;
        }
        var path = data.SqlitePath(FileName);
        if (File.Exists(path))
        {
            try
            {
                return protector.Unprotect(File.ReadAllText(path).Trim());
            }
            catch (CryptographicException)
            {
                // The key ring changed: nothing but the simulator depends on this key, so a fresh one does no harm.
            }
        }
        var key = "sim-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var writer = new StreamWriter(path, System.Text.Encoding.UTF8, options))
        {
            writer.Write(protector.Protect(key));
        }
        return key;
    }
}
