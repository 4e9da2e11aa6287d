using DeepFinance.Core.Llm;
using DeepFinance.Core.Privacy;
using DeepFinance.Core.Prompts;
using DeepFinance.Core.Verification;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Cli.Commands;

/// <summary>
/// <c>deepfinance verify --input F --output G [--tolerance 0.005] [--explain] [--judge NAME [--data DIR]]</c>:
/// checks each response's final answer against its reference by rule and writes
/// <c>{"id","verdict","extracted"}</c> per input line (plus <c>rule</c> and <c>reason</c> with --explain).
/// Reads <c>id</c>, <c>reference</c>, <c>response</c> and optional <c>question</c>, <c>options</c>; nothing else.
/// With <c>--judge NAME</c>, answers no rule can decide go to the synthesizer configured as
/// <c>DeepFinance__Synthesizers__NAME__…</c>, through the same exactly-once store as the web app;
/// without it no database is opened and nothing is sent anywhere. A file's lines have no lineage, so the
/// privacy gate treats them as raw-derived: a judge marked external is refused and the line stays unverifiable.
/// </summary>
internal static class VerifyCommand
{
    private const string Usage = "usage: deepfinance verify --input FILE --output FILE [--tolerance 0.005] [--explain] [--judge NAME [--data DIR]]";

    private static readonly string[] ValueOptions = ["--input", "--output", "--tolerance", "--judge", "--data"];
    private static readonly string[] FlagOptions = ["--explain", "--help", "-h"];

    public static Task<int> RunAsync(string[] args) => RunAsync(args, Console.Out, Console.Error);

    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr) => RunAsync(args, stdout, stderr, null);

    /// <param name="settings">Configuration over the environment, for the judge path (tests).</param>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, IReadOnlyDictionary<string, string?>? settings)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        string input;
        string output;
        VerificationTolerances tolerances;
        bool explain;
        string? judge;
        string? data;
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
            var tolerance = parsed.OptionalDouble("--tolerance", VerificationTolerances.Default.RelativeTolerance, 0, 1);
            tolerances = VerificationTolerances.Default with { RelativeTolerance = tolerance };
            explain = parsed.Has("--explain");
            judge = parsed.Optional("--judge");
            data = parsed.Optional("--data");
            if (judge is not null && string.IsNullOrWhiteSpace(judge))
            {
                throw new UsageException("--judge needs a synthesizer name");
            }
            if (data is not null && judge is null)
            {
                throw new UsageException("--data is only used with --judge");
            }
        }
        catch (UsageException ex)
        {
            await stderr.WriteLineAsync($"error: {ex.Message}");
            await stderr.WriteLineAsync(Usage);
            return 2;
        }

        if (judge is null)
        {
            // The default path: rules only, no database, no network.
            var rules = new AnswerVerifier(RuleVerifier.Instance);
            return JsonlFilter.Run(input, output, (record, writer) =>
            {
                var id = record.RequiredString("id");
                Write(id, writer, explain, rules.VerifyByRules(ReadInput(record), tolerances));
            }, stderr);
        }

        if (!File.Exists(input))
        {
            await stderr.WriteLineAsync($"error: {input}: file not found");
            return 2;
        }
        await using var services = await CoreHost.OpenAsync(data, migrate: true, settings);
        await services.GetRequiredService<PromptLibrary>().SeedAsync();
        var catalog = services.GetRequiredService<SynthesizerCatalog>();
        await catalog.SyncFromConfigurationAsync();
        var profile = await catalog.FindAsync(judge.Trim());
        if (profile is null)
        {
            await stderr.WriteLineAsync($"error: --judge {judge}: no synthesizer of that name is configured (set DeepFinance__Synthesizers__{judge.Trim()}__BaseUrl and __Model)");
            return 2;
        }
        var verifier = services.GetRequiredService<AnswerVerifier>();
        var failures = 0;
        var code = JsonlFilter.Run(input, output, (record, writer) =>
        {
            var id = record.RequiredString("id");
            // Unknown lineage fails closed: the judge call carries RawDerived.
            var request = new VerificationRequest(ReadInput(record), tolerances, RequestProvenance.RawDerived, profile.Name);
            // One line at a time, in order: the filter engine is synchronous and the judge is rarely needed.
            var outcome = verifier.VerifyAsync(request, CancellationToken.None).GetAwaiter().GetResult();
            if (outcome.Judged is not null && outcome.Result.Verdict == Verdict.Unverifiable)
            {
                failures++;
            }
            Write(id, writer, explain, outcome.Result);
        }, stderr);
        if (code == 0 && failures > 0)
        {
            await stderr.WriteLineAsync($"warning: the judge could not decide {failures} item(s); they are marked unverifiable (see --explain)");
        }
        return code;
    }

    private static VerificationInput ReadInput(JsonlRecord record)
    {
        var reference = record.RequiredString("reference");
        var response = record.RequiredString("response");
        var question = record.OptionalString("question");
        var options = record.OptionalStringArray("options");
        return new VerificationInput(reference, response, question, options);
    }

    private static void Write(string id, System.Text.Json.Utf8JsonWriter writer, bool explain, VerificationResult result)
    {
        writer.WriteStartObject();
        writer.WriteString("id", id);
        writer.WriteString("verdict", VerdictName(result.Verdict));
        if (result.Extracted is null)
        {
            writer.WriteNull("extracted");
        }
        else
        {
            writer.WriteString("extracted", result.Extracted);
        }

        if (explain)
        {
            writer.WriteString("rule", result.Rule);
            writer.WriteString("reason", result.Reason);
        }

        writer.WriteEndObject();
    }

    /// <summary>The verdict as written in output files.</summary>
    public static string VerdictName(Verdict verdict) => verdict switch
    {
        Verdict.Correct => "correct",
        Verdict.Incorrect => "incorrect",
        _ => "unverifiable",
    };
}
