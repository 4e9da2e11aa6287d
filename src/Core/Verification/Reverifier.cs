using DeepFinance.Core.Data;
using DeepFinance.Core.Privacy;
using DeepFinance.Core.Prompts;
using DeepFinance.Core.Runs;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Verification;

/// <summary>Before/after counts of one re-verification.</summary>
public sealed record ReverificationResult(
    long Id, long RunId, int Examined, int Changed, int CorrectBefore, int CorrectAfter,
    int IncorrectBefore, int IncorrectAfter, int UnverifiableBefore, int UnverifiableAfter,
    double RelativeTolerance, string? Judge, DateTimeOffset At, string? RequestedBy);

/// <summary>
/// Applies the current rules (with new tolerances) and optionally a judge to a finished run's answered
/// traces, a page at a time, rewriting verdict, extracted answer, rule and reason where they changed.
/// The outcome is stored as a <see cref="Reverification"/> row; pass rates and difficulty are recomputed.
/// Judgements already stored are reused, never paid for again.
/// </summary>
public sealed class Reverifier(
    IDbContextFactory<DeepFinanceDbContext> dbFactory,
    AnswerVerifier verifier,
    PromptLibrary prompts,
    Llm.SynthesizerCatalog catalog,
    QuestionStatistics statistics,
    IRunProgressNotifier notifier)
{
    public const int PageSize = 500;

    /// <summary>
    /// Re-verifies run <paramref name="runId"/>. <paramref name="relativeTolerance"/> null keeps the run's own;
    /// <paramref name="judge"/> null keeps the run's own judge, an empty string turns the judge off. The run's
    /// stored parameters are updated to what was applied.
    /// </summary>
    public async Task<ReverificationResult> ReverifyAsync(long runId, double? relativeTolerance = null, string? judge = null,
        string? requestedBy = null, CancellationToken ct = default)
    {
        if (relativeTolerance is < 0 or > 0.5)
        {
            throw new RunValidationException("relativeTolerance", "Relative tolerance must be between 0 and 0.5.");
        }
        RunParameters parameters;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            var run = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == runId, ct)
                ?? throw new KeyNotFoundException($"No run with id {runId}.");
            if (!RunStateRules.Allows(RunAction.Reverify, run.Status))
            {
                throw new RunStateException(runId, RunAction.Reverify, run.Status);
            }
            parameters = RunParameters.Of(run);
        }

        parameters = parameters with { RelativeTolerance = relativeTolerance ?? parameters.RelativeTolerance };
        if (judge is not null)
        {
            var name = judge.Trim();
            if (name.Length == 0)
            {
                parameters = parameters with { Judge = null, JudgePromptTemplateId = null };
            }
            else
            {
                var profile = await catalog.FindAsync(name, ct) ?? throw new RunValidationException("judge", $"No synthesizer named '{name}' to act as judge.");
                var prompt = await prompts.GetAsync(PromptLibrary.AnswerJudge, null, ct);
                parameters = parameters with { Judge = profile.Name, JudgePromptTemplateId = prompt.Id };
            }
        }

        var started = DateTimeOffset.UtcNow;
        var counts = new Counts();
        long lastId = 0;
        while (true)
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var page = await db.Traces
                .Where(t => t.RunId == runId && t.Status == TraceStatus.Succeeded && t.Id > lastId)
                .OrderBy(t => t.Id).Take(PageSize).ToListAsync(ct);
            if (page.Count == 0)
            {
                break;
            }
            lastId = page[^1].Id;
            var questionIds = page.Select(t => t.QuestionId).Distinct().ToList();
            var questions = await db.Questions.AsNoTracking().Where(q => questionIds.Contains(q.Id)).ToDictionaryAsync(q => q.Id, ct);
            var provenance = await QuestionProvenance.OfManyAsync(db, questionIds, ct);
            foreach (var trace in page)
            {
                var question = questions[trace.QuestionId];
                if (question.ReferenceAnswer is not { } reference)
                {
                    continue;
                }
                var outcome = await verifier.VerifyAsync(RunExecutor.Verification(question, provenance[question.Id], reference, trace.Answer ?? string.Empty, parameters), ct);
                var after = outcome.Result;
                counts.Add(trace.Verdict, after.Verdict);
                if (trace.Verdict != after.Verdict)
                {
                    counts.Changed++;
                }
                trace.Verdict = after.Verdict;
                trace.ExtractedAnswer = after.Extracted;
                trace.VerdictRule = after.Rule;
                trace.VerdictReason = after.Reason;
                trace.JudgePromptTemplateId = outcome.JudgePromptTemplateId;
            }
            await db.SaveChangesAsync(ct);
        }

        await statistics.UpdateForRunAsync(runId, ct);
        var row = new Reverification
        {
            RunId = runId,
            RelativeTolerance = parameters.RelativeTolerance,
            Judge = parameters.Judge,
            Examined = counts.Examined,
            Changed = counts.Changed,
            CorrectBefore = counts.Before[(int)Verdict.Correct],
            CorrectAfter = counts.After[(int)Verdict.Correct],
            IncorrectBefore = counts.Before[(int)Verdict.Incorrect],
            IncorrectAfter = counts.After[(int)Verdict.Incorrect],
            UnverifiableBefore = counts.Before[(int)Verdict.Unverifiable],
            UnverifiableAfter = counts.After[(int)Verdict.Unverifiable],
            StartedAt = started,
            FinishedAt = DateTimeOffset.UtcNow,
            RequestedBy = requestedBy,
        };
        await using (var db = await dbFactory.CreateDbContextAsync(CancellationToken.None))
        {
            // The run's parameters now say how its verdicts were made, so the next re-verification starts from them.
            var json = System.Text.Json.JsonSerializer.Serialize(parameters);
            await db.Runs.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s.SetProperty(r => r.ParametersJson, json), CancellationToken.None);
            db.Reverifications.Add(row);
            await db.SaveChangesAsync(CancellationToken.None);
        }
        notifier.RunChanged(runId);
        return ToResult(row);
    }

    /// <summary>Past re-verifications of a run, newest first.</summary>
    public async Task<IReadOnlyList<ReverificationResult>> ListAsync(long runId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.Reverifications.AsNoTracking().Where(r => r.RunId == runId).OrderByDescending(r => r.Id).ToListAsync(ct);
        return rows.Select(ToResult).ToList();
    }

    private static ReverificationResult ToResult(Reverification r) => new(r.Id, r.RunId, r.Examined, r.Changed,
        r.CorrectBefore, r.CorrectAfter, r.IncorrectBefore, r.IncorrectAfter, r.UnverifiableBefore, r.UnverifiableAfter,
        r.RelativeTolerance, r.Judge, r.FinishedAt, r.RequestedBy);

    private sealed class Counts
    {
        public int Examined;
        public int Changed;
        public readonly int[] Before = new int[3];
        public readonly int[] After = new int[3];

        public void Add(Verdict? before, Verdict after)
        {
            Examined++;
            if (before is { } b)
            {
                Before[(int)b]++;
            }
            After[(int)after]++;
        }
    }
}
