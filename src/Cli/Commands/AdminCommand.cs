using DeepFinance.Core.Data;
using Microsoft.Extensions.Configuration;

namespace DeepFinance.Cli.Commands;

/// <summary>
/// <c>deepfinance admin forget-initial-password [--data DIR]</c>: deletes the first admin's generated password
/// file from the data directory (the web app also deletes it after that admin's first sign-in).
/// </summary>
internal static class AdminCommand
{
    private const string Usage = "usage: deepfinance admin forget-initial-password [--data DIR]";

    public static Task<int> RunAsync(string[] args) => RunAsync(args, null);

    /// <param name="settings">Extra settings over the environment (tests use them instead of process-wide variables).</param>
    public static async Task<int> RunAsync(string[] args, IReadOnlyDictionary<string, string?>? settings)
    {
        if (args.Length == 0 || args[0] != "forget-initial-password")
        {
            await Console.Error.WriteLineAsync($"error: {(args.Length == 0 ? "missing sub-command" : $"unknown sub-command '{args[0]}'")}\n{Usage}");
            return 2;
        }
        CommandArguments options;
        try
        {
            options = CommandArguments.Parse(args[1..], ["--data"], []);
        }
        catch (UsageException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}\n{Usage}");
            return 2;
        }
        var builder = new ConfigurationBuilder().AddEnvironmentVariables();
        if (settings is not null)
        {
            builder.AddInMemoryCollection(settings);
        }
        if (options.Optional("--data") is { Length: > 0 } directory)
        {
            builder.AddInMemoryCollection(new Dictionary<string, string?> { ["DeepFinance:DataDirectory"] = directory });
        }
        var data = builder.Build().GetSection(DataOptions.SectionName).Get<DataOptions>() ?? new DataOptions();
        var path = InitialAdminFile.PathIn(data);
        Console.WriteLine(InitialAdminFile.Forget(data) ? $"deleted {path}" : $"nothing to delete: no {path}");
        return 0;
    }
}
