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
        var ids = db.Traces.Where(t => t.RunId == runId).Select(t => t.QuestionId).Distinct();
        var stats = await db.Traces
            .Where(t => ids.Contains(t.QuestionId) && (t.Verdict == Verdict.Correct || t.Verdict == Verdict.Incorrect))
            .GroupBy(t => t.QuestionId)
            .Select(g => new { QuestionId = g.Key, Correct = g.Count(t => t.Verdict == Verdict.Correct), Total = g.Count() })
            .ToListAsync(ct);
        // One transaction for all of them: a commit per question made a large run's completion take minutes.
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            foreach (var s in stats)
            {
                var rate = (double)s.Correct / s.Total;
                var difficulty = Classify(rate);
                await db.Questions.Where(q => q.Id == s.QuestionId).ExecuteUpdateAsync(u => u
                    .SetProperty(q => q.PassRate, rate).SetProperty(q => q.VerifiedSamples, s.Total)
                    .SetProperty(q => q.Difficulty, difficulty).SetProperty(q => q.DifficultySource, DifficultySource.PassRate), ct);
            }
            await tx.CommitAsync(ct);
        }

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
                .Where(t => batch.Contains(t.QuestionId) && t.Status == TraceStatus.Succeeded)
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
