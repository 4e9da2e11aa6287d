using DeepFinance.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DeepFinance.Core.Verification;

/// <summary>
/// Pass rate over verified samples and the empirical difficulty it implies (thresholds from
/// <see cref="VerificationOptions"/>); for questions without a reference, the self-consistency majority answer.
/// </summary>
public sealed class QuestionStatistics(IDbContextFactory<DeepFinanceDbContext> dbFactory, IOptions<VerificationOptions> options)
{
    private const int QuestionBatch = 200;

    /// <summary>At or above: Simple. Below <see cref="HardBelow"/>: Hard. Between: Medium.</summary>
    public double SimpleAtLeast => options.Value.SimpleAtLeast;

    public double HardBelow => options.Value.HardBelow;

    public Difficulty Classify(double passRate) =>
        passRate >= SimpleAtLeast ? Difficulty.Simple : passRate < HardBelow ? Difficulty.Hard : Difficulty.Medium;

    /// <summary>
    /// Recomputes pass rate and difficulty for the questions a run sampled, over all their verified traces,
    /// and the majority answer of those that have no reference.
    /// </summary>
    public async Task UpdateForRunAsync(long runId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // Only first answers (round 0) count: a self-correction rewrite was steered by a reflection that saw the
        // reference, so it says nothing about how hard the question is for a model on its own.
        // One statement, in the database: a run of 300,000 questions neither loads their statistics into memory
        // nor commits once per question. The thresholds match Classify.
        // The pass rate replaces only what ClassificationPrecedence lets it (rules, classifier, an earlier pass rate);
        // a difficulty from the seed, an expert or an operator stays.
        var replaceable = System.Text.Json.JsonSerializer.Serialize(Extraction.ClassificationPrecedence.Replaceable(DifficultySource.PassRate));
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            UPDATE "Questions" SET "PassRate" = s.rate, "VerifiedSamples" = s.total,
                "Difficulty" = CASE WHEN "Questions"."DifficultySource" IS NOT NULL
                                         AND "Questions"."DifficultySource" NOT IN (SELECT value FROM json_each({replaceable})) THEN "Questions"."Difficulty"
                                    WHEN s.rate >= {SimpleAtLeast} THEN {nameof(Difficulty.Simple)}
                                    WHEN s.rate < {HardBelow} THEN {nameof(Difficulty.Hard)} ELSE {nameof(Difficulty.Medium)} END,
                "DifficultyDetail" = CASE WHEN "Questions"."DifficultySource" IS NOT NULL
                                         AND "Questions"."DifficultySource" NOT IN (SELECT value FROM json_each({replaceable})) THEN "Questions"."DifficultyDetail"
                                    ELSE printf('pass rate %.2f over %d samples', s.rate, s.total) END,
                "DifficultySource" = CASE WHEN "Questions"."DifficultySource" IS NOT NULL
                                         AND "Questions"."DifficultySource" NOT IN (SELECT value FROM json_each({replaceable})) THEN "Questions"."DifficultySource"
                                    ELSE {nameof(DifficultySource.PassRate)} END
            FROM (SELECT t."QuestionId" AS qid, COUNT(*) AS total,
                         SUM(CASE WHEN t."Verdict" = {nameof(Verdict.Correct)} THEN 1 ELSE 0 END) * 1.0 / COUNT(*) AS rate
                  FROM "Traces" t
                  WHERE t."QuestionId" IN (SELECT "QuestionId" FROM "Traces" WHERE "RunId" = {runId})
                    AND t."Verdict" IN ({nameof(Verdict.Correct)}, {nameof(Verdict.Incorrect)})
                    AND t."Round" = 0
                  GROUP BY t."QuestionId") AS s
            WHERE "Questions"."Id" = s.qid
            """, ct);

        await UpdateMajoritiesAsync(db, runId, ct);
    }

    /// <summary>Self-consistency for the run's questions without a reference, a batch of questions at a time.</summary>
    private static async Task UpdateMajoritiesAsync(DeepFinanceDbContext db, long runId, CancellationToken ct)
    {
        var sampled = db.Traces.Where(t => t.RunId == runId).Select(t => t.QuestionId).Distinct();
        var open = await db.Questions.Where(q => sampled.Contains(q.Id) && q.ReferenceAnswer == null)
            .Select(q => q.Id).OrderBy(id => id).ToListAsync(ct);
        foreach (var batch in open.Chunk(QuestionBatch))
        {
            var answers = await db.Traces.AsNoTracking()
                .Where(t => batch.Contains(t.QuestionId) && t.Status == TraceStatus.Succeeded && t.Round == 0)
                .Select(t => new { t.QuestionId, t.ExtractedAnswer, t.Answer })
                .ToListAsync(ct);
            foreach (var group in answers.GroupBy(a => a.QuestionId))
            {
                var finals = group.Select(a => a.ExtractedAnswer ?? FinalAnswerExtractor.Extract(a.Answer ?? string.Empty)).ToList();
                var majority = Majority(finals);
                await db.Questions.Where(q => q.Id == group.Key).ExecuteUpdateAsync(u => u
                    .SetProperty(q => q.MajorityAnswer, majority?.Answer)
                    .SetProperty(q => q.MajorityShare, majority?.Share), ct);
            }
        }
    }

    /// <summary>
    /// The answer that more than half of at least two samples agree with, where agreeing means the verifier's
    /// rules accept each as the other's reference (so 30000 and 3万 agree). Null when there is no majority.
    /// A sample without a final answer counts against every candidate.
    /// </summary>
    public static (string Answer, double Share)? Majority(IReadOnlyList<string?> answers)
    {
        ArgumentNullException.ThrowIfNull(answers);
        if (answers.Count < 2)
        {
            return null;
        }

        string? best = null;
        var bestVotes = 0;
        foreach (var candidate in answers)
        {
            if (string.IsNullOrWhiteSpace(candidate))
            {
                continue;
            }

            var votes = 0;
            foreach (var other in answers)
            {
                if (other is not null && Agree(candidate, other))
                {
                    votes++;
                }
            }

            if (votes > bestVotes)
            {
                best = candidate;
                bestVotes = votes;
            }
        }

        return best is not null && bestVotes * 2 > answers.Count ? (best, (double)bestVotes / answers.Count) : null;
    }

    /// <summary>Both ways, so a coarse answer ("3万") does not absorb every number that rounds to it.</summary>
    private static bool Agree(string candidate, string other) =>
        string.Equals(candidate, other, StringComparison.Ordinal)
        || (RuleVerifier.Instance.Verify(new VerificationInput(candidate, other)).Verdict == Verdict.Correct
            && RuleVerifier.Instance.Verify(new VerificationInput(other, candidate)).Verdict == Verdict.Correct);
}
