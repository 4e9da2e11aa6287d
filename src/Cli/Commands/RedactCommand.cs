using DeepFinance.Core.Privacy.Desensitization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DeepFinance.Cli.Commands;

/// <summary>
/// <c>deepfinance redact --input F --output G [--mode placeholder|mask|fake] [--explain]</c>: desensitizes each
/// line's <c>text</c> with the same Core <see cref="Desensitizer"/> the import uses and writes
/// <c>{"id","text","entities":[{"type","start","end"}]}</c>, start and end being code-point offsets into the
/// original text (with --explain also level, confidence and recognizer). Reads <c>id</c> and <c>text</c> only.
/// Replacement settings come from <c>DeepFinance__Desensitization__…</c>; no database is opened.
/// </summary>
internal static class RedactCommand
{
    private const string Usage = "usage: deepfinance redact --input FILE --output FILE [--mode placeholder|mask|fake] [--explain]";

    private static readonly string[] ValueOptions = ["--input", "--output", "--mode"];
    private static readonly string[] FlagOptions = ["--explain", "--help", "-h"];

    public static Task<int> RunAsync(string[] args) => RunAsync(args, Console.Out, Console.Error);

    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr) => RunAsync(args, stdout, stderr, null);

    /// <param name="settings">Configuration over the environment (tests).</param>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, IReadOnlyDictionary<string, string?>? settings)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        string input;
        string output;
        ReplacementMode? mode;
        bool explain;
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
            var modeText = parsed.Optional("--mode");
            mode = modeText is null ? null
                : Enum.TryParse<ReplacementMode>(modeText, ignoreCase: true, out var m) && Enum.IsDefined(m) && !int.TryParse(modeText, out _) ? m
                : throw new UsageException($"--mode must be placeholder, mask or fake, got '{modeText}'");
        }
        catch (UsageException ex)
        {
            await stderr.WriteLineAsync($"error: {ex.Message}");
            await stderr.WriteLineAsync(Usage);
            return 2;
        }

        Desensitizer desensitizer;
        DesensitizationOptions options;
        try
        {
            var builder = new ConfigurationBuilder().AddEnvironmentVariables();
            if (settings is not null)
            {
                builder.AddInMemoryCollection(settings);
            }

            using var services = new ServiceCollection().AddDesensitization(builder.Build()).BuildServiceProvider();
            desensitizer = services.GetRequiredService<Desensitizer>();
            options = desensitizer.Options;
        }
        catch (OptionsValidationException ex)
        {
            await stderr.WriteLineAsync($"error: {string.Join(" ", ex.Failures)}");
            return 2;
        }

        if (mode is { } forced)
        {
            options = new DesensitizationOptions
            {
                DefaultMode = forced,
                MinimumConfidence = options.MinimumConfidence,
                Language = options.Language,
            };
        }

        return JsonlFilter.Run(input, output, (record, writer) =>
        {
            // Only these two fields are read: an answer key on the same line (pii, keep) is never looked at.
            var id = record.RequiredString("id");
            var text = record.RequiredString("text");
            var result = desensitizer.Desensitize(text, options);
            writer.WriteStartObject();
            writer.WriteString("id", id);
            writer.WriteString("text", result.Text);
            writer.WriteStartArray("entities");
            foreach (var entity in result.Entities)
            {
                writer.WriteStartObject();
                writer.WriteString("type", entity.Type);
                writer.WriteNumber("start", CodePointOffset(text, entity.Start));
                writer.WriteNumber("end", CodePointOffset(text, entity.End));
                if (explain)
                {
                    writer.WriteString("level", entity.Level.ToString());
                    writer.WriteNumber("confidence", entity.Confidence);
                    writer.WriteString("recognizer", entity.Recognizer);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }, stderr);
    }

    /// <summary>Code points before UTF-16 position <paramref name="index"/> (DESIGN: offsets count code points).</summary>
    internal static int CodePointOffset(string text, int index)
    {
        var count = 0;
        for (var i = 0; i < index; i++)
        {
            if (!(char.IsLowSurrogate(text[i]) && i > 0 && char.IsHighSurrogate(text[i - 1])))
            {
                count++;
            }
        }

        return count;
    }
}
