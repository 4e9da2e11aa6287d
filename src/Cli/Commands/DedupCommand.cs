using System.Globalization;
using DeepFinance.Core.Curation;

namespace DeepFinance.Cli.Commands;

/// <summary>
/// <c>deepfinance dedup --input F --output G [--explain] [--threshold 0.5] [--ngram 3] [--bands 32] [--rows 3]</c>:
/// clusters exact and near-duplicate questions and writes <c>{"id","cluster"}</c> per input line, in input order,
/// where <c>cluster</c> is the id of the question kept for the cluster (the first line of it). With --explain also
/// <c>kept</c> and <c>rule</c>. Reads <c>id</c> and <c>text</c> only; nothing else of a line is looked at.
/// </summary>
internal static class DedupCommand
{
    private const string Usage = "usage: deepfinance dedup --input FILE --output FILE [--explain] [--threshold 0.5] [--ngram 3] [--bands 32] [--rows 3]";

    private static readonly string[] ValueOptions = ["--input", "--output", "--threshold", "--ngram", "--bands", "--rows"];
    private static readonly string[] FlagOptions = ["--explain", "--help", "-h"];

    public static Task<int> RunAsync(string[] args) => RunAsync(args, Console.Out, Console.Error);

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        string input;
        string output;
        bool explain;
        var options = new DedupOptions();
        try
        {
            var parsed = CommandArguments.Parse(args, ValueOptions, FlagOptions);
            if (parsed.Has("--help") || parsed.Has("-h"))
            {
                await stdout.WriteLineAsync(Usage);
                return 0;
            }

            input = parsed.Required("--input");
            output = parsed.Required("--output");
            explain = parsed.Has("--explain");
            options.Threshold = parsed.OptionalDouble("--threshold", options.Threshold, 0.05, 1);
            options.NgramSize = Whole(parsed, "--ngram", options.NgramSize, 1, 12);
            options.Bands = Whole(parsed, "--bands", options.Bands, 1, 256);
            options.Rows = Whole(parsed, "--rows", options.Rows, 1, 16);
            if (options.Bands * options.Rows > 1024)
            {
                throw new UsageException($"--bands × --rows must not exceed 1024 (got {options.Bands} × {options.Rows})");
            }
        }
        catch (UsageException ex)
        {
            await stderr.WriteLineAsync($"error: {ex.Message}");
            await stderr.WriteLineAsync(Usage);
            return 2;
        }

        var clustering = DuplicateDetector.Create(options).StartClustering();
        var firstLine = new Dictionary<string, long>(StringComparer.Ordinal);
        DedupResult? result = null;
        var code = JsonlFilter.RunCollected(input, output, record =>
        {
            var id = record.RequiredString("id");
            var text = record.RequiredString("text");
            if (!firstLine.TryAdd(id, record.LineNumber))
            {
                throw new JsonlInputException($"duplicate id \"{id}\" (first seen on line {firstLine[id]})");
            }

            clustering.Add(new DedupItem(id, text));
        }, writeLine =>
        {
            result = clustering.Finish(KeepRule.FirstSeen);
            foreach (var assignment in result.Assignments)
            {
                writeLine(writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteString("id", assignment.Id);
                    writer.WriteString("cluster", assignment.ClusterId);
                    if (explain)
                    {
                        writer.WriteBoolean("kept", assignment.Kept);
                        if (assignment.Rule is null)
                        {
                            writer.WriteNull("rule");
                        }
                        else
                        {
                            writer.WriteString("rule", assignment.Rule);
                        }
                    }

                    writer.WriteEndObject();
                });
            }
        }, stderr);
        if (code == 0 && result is not null)
        {
            await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"dedup: {result.Assignments.Count} questions, {result.KeptCount} kept, {result.DuplicateCount} duplicates"));
        }

        return code;
    }

    private static int Whole(CommandArguments parsed, string name, int fallback, int min, int max)
    {
        var value = parsed.OptionalDouble(name, fallback, min, max);
        return value == Math.Floor(value)
            ? (int)value
            : throw new UsageException($"{name} must be a whole number between {min} and {max}, got '{parsed.Optional(name)}'");
    }
}
