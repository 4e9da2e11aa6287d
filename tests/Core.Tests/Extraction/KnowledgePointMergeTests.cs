using System.Text.Json;
using DeepFinance.Core.Curation;
using DeepFinance.Core.Data;
using DeepFinance.Core.Extraction;
using DeepFinance.Core.Runs;
using DeepFinance.Core.Tests.TestSupport;
using DeepFinance.Core.Verification;
using DeepFinance.LlmSim;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.Core.Tests.Extracting;

/// <summary>T2Q knowledge points merged across traces, end to end against the simulator (scripted mining answers) over HTTP.</summary>
public sealed class KnowledgePointMergeTests
{
    private static string Mined(string kind, string statement, string question, string answer) => JsonSerializer.Serialize(new
    {
        points = new[] { new { kind, statement, questions = new[] { new { question, answer } } } },
    });

    private static string ScriptLine(string contains, string content) =>
        JsonSerializer.Serialize(new { match = new { contains }, content });

    [Fact]
    public async Task Two_traces_relying_on_the_same_formula_give_one_point_linked_to_both_and_to_the_questions_it_produced()
    {
        var options = new SimulatorOptions { DeriveMalformedRate = 0, DeriveMissingFieldRate = 0, DeriveIdenticalRate = 0, CorrectProbability = 1 };
        var h = await PipelineHarness.StartAsync(options);
        await using var _ = h;
        var source = await h.RunToEndAsync(new RunSpec(RunKind.Q2a, await h.ImportSeedsAsync(), "sim", 1));
        await using var db0 = await h.Db.CreateDbContextAsync();
        var loanTrace = await db0.Traces.Where(t => t.RunId == source.Id && db0.Questions.Any(q => q.Id == t.QuestionId && q.Text.Contains("贷款20万元")))
            .Select(t => t.Id).SingleAsync();
        var shareTrace = await db0.Traces.Where(t => t.RunId == source.Id && db0.Questions.Any(q => q.Id == t.QuestionId && q.Text.Contains("$30")))
            .Select(t => t.Id).SingleAsync();

        // Both traces' mining names the same formula in different wordings (case, width, spacing, punctuation); the share trace also mines another.
        var script = Path.Combine(h.Directory, "t2q-script.jsonl");
        await File.WriteAllLinesAsync(script,
        [
            ScriptLine("某客户贷款20万元", Mined("formula", "Simple interest = principal × rate × years.",
                "True or false: interest on 1,000 at 10% simple for 2 years is 200.", "True")),
            ScriptLine("A share bought at $30", JsonSerializer.Serialize(new
            {
                points = new object[]
                {
                    new { kind = "Formula", statement = "SIMPLE   interest ＝ Principal × Rate × Years", questions = new[] { new { question = "True or false: simple interest on 500 at 4% for 3 years is 60.", answer = "True" } } },
                    new { kind = "definition", statement = "Percentage loss is the fall in price divided by the purchase price", questions = new[] { new { question = "True or false: a fall from 50 to 45 is a 10% loss.", answer = "True" } } },
                },
            })),
            // The verification samples of the mined questions (the sampling prompt never carries the proposed answer).
            ScriptLine("interest on 1,000 at 10%", "200 is 1,000 × 10% × 2.\nAnswer: True"),
            ScriptLine("simple interest on 500 at 4%", "500 × 4% × 3 = 60.\nAnswer: True"),
            ScriptLine("a fall from 50 to 45", "5 / 50 = 10%.\nAnswer: True"),
        ]);
        h.Simulator.Options.ScriptFile = script;

        var launch = new RunLaunch("t2q", "sim", JsonSerializer.SerializeToElement(new { traceIds = new[] { loanTrace, shareTrace }, pointsPerTrace = 2, questionsPerPoint = 1, samplesToVerify = 1, agreeAtLeast = 1 }));
        var run = await h.WaitAsync(await h.Runs.LaunchAsync(launch, "test"));
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(2, run.Done);

        await using var db = await h.Db.CreateDbContextAsync();
        var points = await db.KnowledgePoints.OrderBy(p => p.Id).ToListAsync();
        Assert.Equal(2, points.Count);
        var formula = Assert.Single(points, p => p.Kind == KnowledgePointKind.Formula);
        Assert.Equal(2, formula.Mentions);
        Assert.Equal(run.Id, formula.FirstRunId);
        var links = await db.KnowledgePointTraces.Where(l => l.KnowledgePointId == formula.Id).OrderBy(l => l.TraceId).Select(l => l.TraceId).ToListAsync();
        Assert.Equal(new[] { loanTrace, shareTrace }.Order(), links);
        Assert.Equal(KnowledgePointKind.Definition, Assert.Single(points, p => p.Id != formula.Id).Kind);

        // Every proposal on the formula, from either trace, points at the one merged point; so does each question it produced.
        var onFormula = await db.DerivedCandidates.Where(c => c.RunId == run.Id && c.KnowledgePointId == formula.Id).ToListAsync();
        Assert.Equal(2, onFormula.Count);
        Assert.Equal(new[] { loanTrace, shareTrace }.Order(), onFormula.Select(c => c.ParentTraceId!.Value).Order());
        var produced = await db.Questions.Where(q => q.CreatedByRunId == run.Id).ToListAsync();
        Assert.Equal(3, produced.Count);
        Assert.All(produced, q => Assert.NotNull(q.KnowledgePointId));

        var detail = await h.Services.GetRequiredService<KnowledgePointQueries>().DetailAsync(formula.Id);
        Assert.NotNull(detail);
        Assert.Equal(2, detail.Point.Traces);
        Assert.Equal(produced.Count(q => q.KnowledgePointId == formula.Id), detail.Point.Questions);
        Assert.Contains(detail.Sources, s => s.Statement.StartsWith("SIMPLE", StringComparison.Ordinal));

        // A process started later merges into the stored point too: its merger loads the points on first use.
        var fresh = new KnowledgePointMerger(h.Db, h.Services.GetRequiredService<IDuplicateDetector>(), TextNormalizer.Instance);
        Assert.Equal(formula.Key, await fresh.ResolveAsync("simple interest = principal × rate × years!", CancellationToken.None));
        Assert.NotEqual(formula.Key, await fresh.ResolveAsync("Compound interest = principal × ((1 + rate) ^ years − 1)", CancellationToken.None));

        // Re-mining a trace counts it once.
        var again = await h.WaitAsync(await h.Runs.LaunchAsync(new RunLaunch("t2q", "sim", JsonSerializer.SerializeToElement(new { traceIds = new[] { loanTrace }, samplesToVerify = 1, agreeAtLeast = 1 })), "test"));
        Assert.Equal(RunStatus.Completed, again.Status);
        await using var db2 = await h.Db.CreateDbContextAsync();
        Assert.Equal(2, (await db2.KnowledgePoints.SingleAsync(p => p.Id == formula.Id)).Mentions);
        Assert.Equal(2, await db2.KnowledgePoints.CountAsync());
    }
}
