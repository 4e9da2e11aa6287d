using DeepFinance.Core.Verification;

namespace DeepFinance.Cli.Commands;

/// <summary>
/// <c>deepfinance verify --input F --output G [--tolerance 0.005] [--explain]</c>: checks each
/// response's final answer against its reference by rule and writes
/// <c>{"id","verdict","extracted"}</c> per input line (plus <c>rule</c> and <c>reason</c> with --explain).
/// Reads <c>id</c>, <c>reference</c>, <c>response</c> and optional <c>question</c>, <c>options</c>; nothing else.
/// </summary>
internal static class VerifyCommand
{
    private const string Usage = "usage: deepfinance verify --input FILE --output FILE [--tolerance 0.005] [--explain]";

    private static readonly string[] ValueOptions = ["--input", "--output", "--tolerance"];
    private static readonly string[] FlagOptions = ["--explain", "--help", "-h"];

    public static Task<int> RunAsync(string[] args) => RunAsync(args, Console.Out, Console.Error);

    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        return Task.FromResult(Run(args, stdout, stderr));
    }

    private static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        string input;
        string output;
        VerificationTolerances tolerances;
        bool explain;
        try
        {
            var parsed = CommandArguments.Parse(args, ValueOptions, FlagOptions);
            if (parsed.Has("--help") || parsed.Has("-h"))
            {
                stdout.WriteLine(Usage);
                return 0;
            }

            input = parsed.Required("--input");
            output = parsed.Required("--output");
            var tolerance = parsed.OptionalDouble("--tolerance", VerificationTolerances.Default.RelativeTolerance, 0, 1);
            tolerances = VerificationTolerances.Default with { RelativeTolerance = tolerance };
            explain = parsed.Has("--explain");
        }
        catch (UsageException ex)
        {
            stderr.WriteLine($"error: {ex.Message}");
            stderr.WriteLine(Usage);
            return 2;
        }

        var verifier = RuleVerifier.Instance;
        return JsonlFilter.Run(input, output, (record, writer) =>
        {
            var id = record.RequiredString("id");
            var reference = record.RequiredString("reference");
            var response = record.RequiredString("response");
            var question = record.OptionalString("question");
            var options = record.OptionalStringArray("options");

            var result = verifier.Verify(new VerificationInput(reference, response, question, options), tolerances);

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
        }, stderr);
    }

    private static string VerdictName(Verdict verdict) => verdict switch
    {
        Verdict.Correct => "correct",
        Verdict.Incorrect => "incorrect",
        _ => "unverifiable",
    };
}
