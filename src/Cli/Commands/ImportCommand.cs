using DeepFinance.Core.Ingest;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Cli.Commands;

/// <summary>
/// <c>deepfinance import --input FILE --name NAME [--data DIR] [--ignore-unknown-columns]</c>: all or nothing, errors
/// by line; a column the importer does not read refuses the import unless the flag acknowledges it.
/// </summary>
internal static class ImportCommand
{
    public static Task<int> RunAsync(string[] args) => RunAsync(args, Console.Out, Console.Error);

    private const string Usage = "usage: deepfinance import --input FILE --name NAME [--data DIR] [--ignore-unknown-columns]";

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        string input;
        CommandArguments options;
        try
        {
            options = CommandArguments.Parse(args, ["--input", "--name", "--data"], ["--ignore-unknown-columns"]);
            input = options.Required("--input");
        }
        catch (UsageException e)
        {
            await stderr.WriteLineAsync($"error: {e.Message}\n{Usage}");
            return 2;
        }
        if (!File.Exists(input))
        {
            await stderr.WriteLineAsync($"error: {input}: no such file");
            return 2;
        }
        await using var services = await CoreHost.OpenAsync(options.Optional("--data"));
        await using var stream = File.OpenRead(input);
        var name = options.Optional("--name") ?? Path.GetFileNameWithoutExtension(input);
        var result = await services.GetRequiredService<SeedImporter>().ImportAsync(stream, input, name, Environment.UserName,
            options.Has("--ignore-unknown-columns"));
        if (!result.Succeeded)
        {
            foreach (var error in result.Errors)
            {
                await stderr.WriteLineAsync($"error: {input} {error}");
            }
            if (result.RefusedForUnknownColumns)
            {
                await stderr.WriteLineAsync($"unread columns: {Names(result)}; pass --ignore-unknown-columns to import without them");
            }
            await stderr.WriteLineAsync("nothing was imported");
            return 2;
        }
        await stdout.WriteLineAsync($"imported {result.ItemCount} items from {input} as seed source {result.SourceId} \"{name}\"");
        if (result.UnknownColumns.Count > 0)
        {
            await stdout.WriteLineAsync($"ignored columns: {Names(result)}");
        }
        return 0;
    }

    private static string Names(ImportResult result) => string.Join(", ", result.UnknownColumns.Select(c => c.Display));
}
