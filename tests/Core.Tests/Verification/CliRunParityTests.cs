using System.Text.Json;
using DeepFinance.Cli.Commands;
using DeepFinance.Core.Data;
using DeepFinance.Core.Runs;
using DeepFinance.Core.Verification;

namespace DeepFinance.Core.Tests.Verification;

/// <summary>The CLI and the runs call the same Core verifier: every dev-set verdict is the same on both paths.</summary>
public sealed class CliRunParityTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("df-parity-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Cli_and_run_path_give_the_same_verdict_on_every_dev_set_pair()
    {
        var path = DevSetTests.FindDevSet("answer-equivalence.dev.jsonl");
        if (path is null)
        {
            return;
        }

        var output = Path.Combine(_dir, "out.jsonl");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        Assert.Equal(0, await VerifyCommand.RunAsync(["--input", path, "--output", output, "--explain"], stdout, stderr));
        var cli = File.ReadLines(output).Select(l => JsonDocument.Parse(l).RootElement).ToDictionary(e => e.GetProperty("id").GetString()!);

        // The run path: a question as Q2A curation makes it, the run's stored parameters, RunExecutor's request, the shared verifier.
        var verifier = new AnswerVerifier(RuleVerifier.Instance);
        var parameters = new RunParameters(VerificationTolerances.Default.RelativeTolerance, 50);
        var compared = 0;
        var differences = new List<string>();
        foreach (var line in File.ReadLines(path).Where(l => !string.IsNullOrWhiteSpace(l)))
        {
            var root = JsonDocument.Parse(line).RootElement;
            var id = root.GetProperty("id").GetString()!;
            var question = new Question
            {
                Origin = QuestionOrigin.Q2A,
                Text = root.TryGetProperty("question", out var q) ? q.GetString() ?? "" : "",
                ReferenceAnswer = root.GetProperty("reference").GetString(),
                Options = root.TryGetProperty("options", out var o) && o.ValueKind == JsonValueKind.Array
                    ? o.EnumerateArray().Select(e => e.GetString() ?? "").ToList()
                    : null,
                Language = "zh",
            };
            var request = RunExecutor.Verification(question, DeepFinance.Core.Privacy.RequestProvenance.Public, question.ReferenceAnswer!, root.GetProperty("response").GetString()!, parameters);
            var run = (await verifier.VerifyAsync(request, default)).Result;
            var line2 = cli[id];
            compared++;
            var cliVerdict = line2.GetProperty("verdict").GetString();
            var cliExtracted = line2.GetProperty("extracted").ValueKind == JsonValueKind.Null ? null : line2.GetProperty("extracted").GetString();
            if (cliVerdict != VerifyCommand.VerdictName(run.Verdict) || cliExtracted != run.Extracted
                || line2.GetProperty("rule").GetString() != run.Rule || line2.GetProperty("reason").GetString() != run.Reason)
            {
                differences.Add($"{id}: cli {cliVerdict} ({line2.GetProperty("rule").GetString()}), run {run.Verdict} ({run.Rule})");
            }
        }

        Assert.Equal(cli.Count, compared);
        Assert.True(compared >= 50);
        Assert.Empty(differences);
    }
}
