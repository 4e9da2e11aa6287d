using DeepFinance.Core.Ingest;
using DeepFinance.Core.Ingest.Corpora;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Cli.Commands;

/// <summary>
/// <c>deepfinance import --input FILE --name NAME [--mapping NAME|FILE] [--save-mapping NAME] [--preview] [--data DIR] [--ignore-unknown-columns]</c>:
/// all or nothing, errors by line; a column the importer does not read refuses the import unless the flag acknowledges it.
/// With <c>--mapping</c> (a saved mapping's name, or a JSON file) the file is read through that field mapping, and a JSON
/// array or Parquet file always is (the suggested mapping when none is given); <c>--preview</c> prints the first rows
/// mapped and their problems, and writes nothing.
/// </summary>
internal static class ImportCommand
{
    public static Task<int> RunAsync(string[] args) => RunAsync(args, Console.Out, Console.Error);

    private const string Usage = "usage: deepfinance import --input FILE --name NAME [--mapping NAME|FILE] [--save-mapping NAME] [--preview] [--data DIR] [--ignore-unknown-columns]";

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        string input;
        CommandArguments options;
        try
        {
            options = CommandArguments.Parse(args, ["--input", "--name", "--data", "--mapping", "--save-mapping"], ["--ignore-unknown-columns", "--preview"]);
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
        var corpora = services.GetRequiredService<CorpusPreview>();
        SeedMapping? mapping = null;
        if (options.Optional("--mapping") is { } mappingArg)
        {
            if (File.Exists(mappingArg))
            {
                mapping = SeedMapping.Parse(await File.ReadAllTextAsync(mappingArg), out var mappingError);
                if (mapping is null)
                {
                    await stderr.WriteLineAsync($"error: {mappingArg}: {mappingError}");
                    return 2;
                }
            }
            else if ((mapping = await corpora.FindMappingAsync(mappingArg)) is null)
            {
                await stderr.WriteLineAsync($"error: --mapping {mappingArg}: neither a file nor the name of a saved mapping");
                return 2;
            }
        }
        await using var stream = File.OpenRead(input);
        if (options.Has("--preview"))
        {
            var (code, used) = await PreviewAsync(corpora, stream, input, mapping, stdout, stderr);
            return code != 0 ? code : await SaveMappingAsync(corpora, options.Optional("--save-mapping"), used, stdout, stderr);
        }
        var name = options.Optional("--name") ?? Path.GetFileNameWithoutExtension(input);
        var importer = services.GetRequiredService<SeedImporter>();
        var result = mapping is not null || CorpusRows.Detect(input) is CorpusRows.JsonArray or CorpusRows.Parquet
            ? await importer.ImportMappedAsync(stream, input, name, Environment.UserName, mapping)
            : await importer.ImportAsync(stream, input, name, Environment.UserName, options.Has("--ignore-unknown-columns"));
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
        if (options.Optional("--save-mapping") is { } saveAs)
        {
            var used = mapping;
            if (used is null)
            {
                // The suggested mapping the import used: the same first rows give the same suggestion.
                await using var again = File.OpenRead(input);
                used = (await corpora.PreviewAsync(again, input, null)).Mapping;
            }
            if (await SaveMappingAsync(corpora, saveAs, used, stdout, stderr) != 0)
            {
                return 2;
            }
        }
        if (result.UnknownColumns.Count > 0)
        {
            await stdout.WriteLineAsync($"ignored columns: {Names(result)}");
        }
        return 0;
    }

    /// <summary>The fields found, the mapping used (as JSON, to save and pass back with --mapping), the first rows mapped and their problems.</summary>
    private static async Task<(int Code, SeedMapping Used)> PreviewAsync(CorpusPreview corpora, Stream stream, string input, SeedMapping? mapping,
        TextWriter stdout, TextWriter stderr)
    {
        var preview = await corpora.PreviewAsync(stream, input, mapping);
        await stdout.WriteLineAsync($"format: {preview.Format}");
        await stdout.WriteLineAsync($"fields: {string.Join(", ", preview.Columns)}");
        await stdout.WriteLineAsync($"mapping: {preview.Mapping.ToJson()}");
        foreach (var row in preview.Rows)
        {
            var options = row.Options is null ? "" : " options=" + string.Join(" | ", row.Options);
            await stdout.WriteLineAsync($"{row.Unit} {row.Line}{(row.ItemIndex > 0 ? $" #{row.ItemIndex + 1}" : "")}: "
                + $"question={Shorten(row.Question)}{options} answer={row.Answer}");
        }
        foreach (var problem in preview.Problems)
        {
            await stderr.WriteLineAsync($"problem: {input} {problem}");
        }
        await stdout.WriteLineAsync($"{preview.Rows.Count} row(s) shown, {preview.Problems.Count} problem(s); nothing was written");
        return (preview.Problems.Count == 0 ? 0 : 2, preview.Mapping);
    }

    private static async Task<int> SaveMappingAsync(CorpusPreview corpora, string? name, SeedMapping mapping, TextWriter stdout, TextWriter stderr)
    {
        if (name is null)
        {
            return 0;
        }
        var (_, error) = await corpora.SaveMappingAsync(name, mapping, Environment.UserName);
        if (error is not null)
        {
            await stderr.WriteLineAsync($"error: --save-mapping {error.Message}");
            return 2;
        }
        await stdout.WriteLineAsync($"saved mapping \"{name.Trim()}\"; reuse it with --mapping \"{name.Trim()}\"");
        return 0;
    }

    private static string Shorten(string text)
    {
        var flat = text.ReplaceLineEndings(" ");
        return flat.Length <= 120 ? flat : flat[..120] + "…";
    }

    private static string Names(ImportResult result) => string.Join(", ", result.UnknownColumns.Select(c => c.Display));
}
