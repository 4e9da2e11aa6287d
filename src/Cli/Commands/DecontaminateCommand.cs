using System.Globalization;
using System.Security.Cryptography;
using DeepFinance.Core.Curation;
using DeepFinance.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Cli.Commands;

/// <summary>
/// <c>deepfinance benchmark import --input FILE [--name NAME] [--data DIR]</c>: imports an evaluation benchmark as a
/// protected set, all or nothing, errors by line.
/// <c>deepfinance decontaminate (--benchmark FILE | --set NAME) [--source NAME] [--run ID] [--data DIR]</c>: compares the
/// question pool (or one seed source's or run's questions) with the set, stores the hits and prints each pair.
/// A file given with --benchmark is imported first under its file name, or reused when that set holds the same bytes.
/// </summary>
internal static class DecontaminateCommand
{
    private const string ImportUsage = "usage: deepfinance benchmark import --input FILE [--name NAME] [--data DIR]";
    private const string Usage = "usage: deepfinance decontaminate (--benchmark FILE | --set NAME) [--source NAME] [--run ID] [--data DIR]";

    public static Task<int> BenchmarkAsync(string[] args) => BenchmarkAsync(args, Console.Out, Console.Error);

    public static Task<int> RunAsync(string[] args) => RunAsync(args, Console.Out, Console.Error);

    public static async Task<int> BenchmarkAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0 || args[0] != "import")
        {
            await stderr.WriteLineAsync($"error: unknown benchmark command\n{ImportUsage}");
            return 2;
        }
        CommandArguments options;
        string input;
        try
        {
            options = CommandArguments.Parse(args[1..], ["--input", "--name", "--data"], []);
            input = options.Required("--input");
        }
        catch (UsageException e)
        {
            await stderr.WriteLineAsync($"error: {e.Message}\n{ImportUsage}");
            return 2;
        }
        if (!File.Exists(input))
        {
            await stderr.WriteLineAsync($"error: {input}: no such file");
            return 2;
        }
        await using var services = await CoreHost.OpenAsync(options.Optional("--data"));
        var name = options.Optional("--name") ?? Path.GetFileNameWithoutExtension(input);
        var id = await ImportAsync(services, input, name, stderr);
        if (id is null)
        {
            return 2;
        }
        await stdout.WriteLineAsync($"imported {id.Value.Items} items from {input} as benchmark set {id.Value.Id} \"{name}\"");
        return 0;
    }

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        CommandArguments options;
        long? runId = null;
        try
        {
            options = CommandArguments.Parse(args, ["--benchmark", "--set", "--source", "--run", "--data"], []);
            if ((options.Optional("--benchmark") is null) == (options.Optional("--set") is null))
            {
                throw new UsageException("give exactly one of --benchmark FILE and --set NAME");
            }
            if (options.Optional("--run") is { } run)
            {
                runId = long.TryParse(run, NumberStyles.None, CultureInfo.InvariantCulture, out var r) ? r : throw new UsageException($"--run must be a run id, not '{run}'");
            }
        }
        catch (UsageException e)
        {
            await stderr.WriteLineAsync($"error: {e.Message}\n{Usage}");
            return 2;
        }
        await using var services = await CoreHost.OpenAsync(options.Optional("--data"));
        long setId;
        if (options.Optional("--benchmark") is { } file)
        {
            if (!File.Exists(file))
            {
                await stderr.WriteLineAsync($"error: {file}: no such file");
                return 2;
            }
            if (await ReuseOrImportAsync(services, file, stderr) is not { } id)
            {
                return 2;
            }
            setId = id;
        }
        else
        {
            var name = options.Optional("--set")!;
            await using var db = await services.GetRequiredService<IDbContextFactory<DeepFinanceDbContext>>().CreateDbContextAsync();
            if (await db.BenchmarkSets.Where(s => s.Name == name).Select(s => (long?)s.Id).SingleOrDefaultAsync() is not { } id)
            {
                await stderr.WriteLineAsync($"error: --set: no benchmark set named \"{name}\"");
                return 2;
            }
            setId = id;
        }
        long? sourceId = null;
        if (options.Optional("--source") is { } sourceName)
        {
            await using var db = await services.GetRequiredService<IDbContextFactory<DeepFinanceDbContext>>().CreateDbContextAsync();
            var ids = await db.SeedSources.Where(s => s.Name == sourceName).Select(s => s.Id).ToListAsync();
            if (ids.Count != 1)
            {
                await stderr.WriteLineAsync(ids.Count == 0
                    ? $"error: --source: no seed source named \"{sourceName}\""
                    : $"error: --source: {ids.Count} seed sources are named \"{sourceName}\" (ids {string.Join(", ", ids)})");
                return 2;
            }
            sourceId = ids[0];
        }

        var result = await services.GetRequiredService<Decontaminator>().RunAsync(new DecontaminationScope(setId, sourceId, runId));
        var queries = services.GetRequiredService<BenchmarkQueries>();
        for (var page = 1; ; page++)
        {
            var (_, rows) = await queries.HitsAsync(setId, page, 500, HitSort.Question);
            foreach (var hit in rows)
            {
                await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"question {hit.QuestionId} ~ {hit.BenchmarkSetName} line {hit.ItemLine}{(hit.ItemExternalId is { } x ? $" ({x})" : "")}: {hit.Method} {hit.Score:0.00}"));
                await stdout.WriteLineAsync($"  pool:      {Excerpt(hit.QuestionText)}");
                await stdout.WriteLineAsync($"  benchmark: {Excerpt(hit.ItemQuestion)}");
            }
            if (rows.Count < 500)
            {
                break;
            }
        }
        await stdout.WriteLineAsync($"{result.Scanned} questions scanned against {result.Items} benchmark items: {result.Hits} hits "
            + $"({result.Added} new, {result.Updated} updated, {result.Removed} removed); contaminated questions are left out of releases");
        return 0;
    }

    private static string Excerpt(string text)
    {
        var line = text.ReplaceLineEndings(" ");
        return line.Length <= 120 ? line : line[..120] + "…";
    }

    /// <summary>The set named after the file when it holds the same bytes; otherwise the file imported under that name.</summary>
    private static async Task<long?> ReuseOrImportAsync(IServiceProvider services, string file, TextWriter stderr)
    {
        var name = Path.GetFileNameWithoutExtension(file);
        string sha;
        await using (var stream = File.OpenRead(file))
        {
            sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream));
        }
        await using (var db = await services.GetRequiredService<IDbContextFactory<DeepFinanceDbContext>>().CreateDbContextAsync())
        {
            var existing = await db.BenchmarkSets.Where(s => s.Name == name).Select(s => new { s.Id, s.ContentSha256 }).SingleOrDefaultAsync();
            if (existing is not null)
            {
                if (existing.ContentSha256 == sha)
                {
                    return existing.Id;
                }
                await stderr.WriteLineAsync($"error: {file}: a benchmark set named \"{name}\" already holds other content; "
                    + "import this file under another name (deepfinance benchmark import --name) and pass --set");
                return null;
            }
        }
        return (await ImportAsync(services, file, name, stderr))?.Id;
    }

    private static async Task<(long Id, int Items)?> ImportAsync(IServiceProvider services, string file, string name, TextWriter stderr)
    {
        await using var stream = File.OpenRead(file);
        var result = await services.GetRequiredService<BenchmarkImporter>().ImportAsync(stream, file, name, Environment.UserName);
        if (result.Succeeded)
        {
            return (result.SetId!.Value, result.ItemCount);
        }
        foreach (var error in result.Errors)
        {
            await stderr.WriteLineAsync($"error: {file} {error}");
        }
        await stderr.WriteLineAsync("nothing was imported");
        return null;
    }
}
