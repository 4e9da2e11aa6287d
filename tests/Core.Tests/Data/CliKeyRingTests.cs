using System.Security.Cryptography;
using DeepFinance.Cli.Commands;
using DeepFinance.Core.Llm;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Core.Tests.Data;

/// <summary>
/// Issue 8, "the data directory alone decrypts every stored key": the CLI reads the key ring the way the web app
/// does, so with DeepFinance:DataProtection:MasterKey it decrypts, and without it a copy of the directory does not.
/// </summary>
public sealed class CliKeyRingTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "df-cli-ring-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Cli_reads_the_master_key_encrypted_key_ring_and_the_directory_alone_does_not()
    {
        var settings = new Dictionary<string, string?> { ["DeepFinance:DataProtection:MasterKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) };
        string stored;
        await using (var cli = await CoreHost.OpenAsync(_data, migrate: false, settings))
        {
            stored = cli.GetRequiredService<ISecretProtector>().Protect("sk-from-the-cli-1234");
        }
        Assert.All(Directory.GetFiles(Path.Combine(_data, "keys"), "*.xml"),
            f => Assert.Contains("encryptedWithMasterKey", File.ReadAllText(f), StringComparison.Ordinal));

        await using (var again = await CoreHost.OpenAsync(_data, migrate: false, settings))
        {
            Assert.Equal("sk-from-the-cli-1234", again.GetRequiredService<ISecretProtector>().Unprotect(stored));
        }
        await using var without = await CoreHost.OpenAsync(_data, migrate: false);
        Assert.ThrowsAny<CryptographicException>(() => without.GetRequiredService<ISecretProtector>().Unprotect(stored));
    }
}
