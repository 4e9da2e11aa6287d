using DeepFinance.Core.Data;
using DeepFinance.Web.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DeepFinance.Cli.Commands;

/// <summary>
/// The same Core services the web app uses, over the same data directory: configuration from
/// <c>DeepFinance__…</c> environment variables, <c>--data DIR</c> overriding the data directory.
/// Never a Hangfire server.
/// </summary>
internal static class CoreHost
{
    /// <param name="settings">Extra settings over the environment (tests use them instead of process-wide variables).</param>
    public static async Task<ServiceProvider> OpenAsync(string? dataDirectory, bool migrate = true, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var builder = new ConfigurationBuilder().AddEnvironmentVariables();
        if (settings is not null)
        {
            builder.AddInMemoryCollection(settings);
        }
        if (!string.IsNullOrWhiteSpace(dataDirectory))
        {
            builder.AddInMemoryCollection(new Dictionary<string, string?> { ["DeepFinance:DataDirectory"] = dataDirectory });
        }
        var configuration = builder.Build();
        IServiceCollection services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging(b => b.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning))
            .AddDeepFinanceCore(configuration);
        var data = configuration.GetSection(DataOptions.SectionName).Get<DataOptions>() ?? new DataOptions();
        DataProtectionSecretProtector.AddDeepFinanceDataProtection(services, data.FullDataDirectory, configuration);
        var provider = services.BuildServiceProvider();
        if (migrate)
        {
            await provider.GetRequiredService<DatabaseMigrator>().MigrateAsync();
        }
        return provider;
    }
}
