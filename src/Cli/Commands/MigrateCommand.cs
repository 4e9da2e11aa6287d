using DeepFinance.Core.Data;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DeepFinance.Cli.Commands;

/// <summary><c>deepfinance migrate [--data DIR]</c>: creates or upgrades the pipeline database.</summary>
internal static class MigrateCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        CommandArguments options;
        try
        {
            options = CommandArguments.Parse(args, ["--data"], []);
        }
        catch (UsageException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}\nusage: deepfinance migrate [--data DIR]");
            return 2;
        }
        await using var services = await CoreHost.OpenAsync(options.Optional("--data"));
        var data = services.GetRequiredService<IOptions<DataOptions>>().Value;
        Console.WriteLine($"database is up to date: {data.SqlitePath("deepfinance.db")}");
        return 0;
    }
}
