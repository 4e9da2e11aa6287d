using DeepFinance.Core.Ingest;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Cli.Commands;

/// <summary><c>deepfinance import --input FILE --name NAME [--data DIR]</c>: all or nothing, errors by line.</summary>
internal static class ImportCommand
{
    public static Task<int> RunAsync(string[] args) => RunAsync(args, Console.Out, Console.Error);

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        string input;
        CommandArguments options;
        try
        {
            options = CommandArguments.Parse(args, ["--input", "--name", "--data"], []);
            input = options.Required("--input");
        }
        catch (UsageException e)
        {
            await stderr.WriteLineAsync($"error: {e.Message}\nusage: deepfinance import --input FILE --name NAME [--data DIR]");
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
        var result = await services.GetRequiredService<SeedImporter>().ImportAsync(stream, input, name, Environment.UserName);
        if (!result.Succeeded)
        {
            foreach (var error in result.Errors)
            {
                await stderr.WriteLineAsync($"error: {input} {error}");
            }
            await stderr.WriteLineAsync("nothing was imported");
            return 2;
        }
        await stdout.WriteLineAsync($"imported {result.ItemCount} items from {input} as seed source {result.SourceId} \"{name}\"");
        return 0;
    }
}
