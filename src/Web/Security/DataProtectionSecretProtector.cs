using DeepFinance.Core.Llm;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Web.Security;

/// <summary>
/// Synthesizer keys encrypted with ASP.NET Data Protection. The key ring lives in
/// <c>&lt;DataDirectory&gt;/keys</c> under the application name "DeepFinance", so the web app (every node)
/// and the CLI on the same data directory decrypt each other's keys, across restarts.
/// This file is compiled into the CLI too (linked), so both register exactly the same ring.
/// </summary>
public sealed class DataProtectionSecretProtector(IDataProtectionProvider provider) : ISecretProtector
{
    public const string Purpose = "DeepFinance.SynthesizerKeys";
    public const string ApplicationName = "DeepFinance";

    private readonly IDataProtector _protector = provider.CreateProtector(Purpose);

    public string Protect(string plaintext) => _protector.Protect(plaintext);

    public string Unprotect(string protectedText) => _protector.Unprotect(protectedText);

    /// <summary>
    /// Data Protection with keys persisted owner-only in the data directory, encrypted as <see cref="KeyRingProtection"/>
    /// configures, and the secret protector over it.
    /// </summary>
    public static IServiceCollection AddDeepFinanceDataProtection(IServiceCollection services, string fullDataDirectory, IConfiguration configuration)
    {
        KeyRingProtection.Configure(services.AddDataProtection().SetApplicationName(ApplicationName), KeyDirectory(fullDataDirectory), configuration);
        services.AddSingleton<ISecretProtector, DataProtectionSecretProtector>();
        return services;
    }

    public static string KeyDirectory(string fullDataDirectory) => Path.Combine(fullDataDirectory, "keys");
}
