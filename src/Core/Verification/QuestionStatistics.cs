using DeepFinance.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Verification;

/// <summary>Pass rate over verified samples, and the empirical difficulty it implies.</summary>
public sealed class QuestionStatistics(IDbContextFactory<DeepFinanceDbContext> dbFactory)
{
    /// <summary>At or above: Simple. Below <see cref="HardBelow"/>: Hard. Between: Medium.</summary>
    public double SimpleAtLeast { get; init; } = 0.8;

    public double HardBelow { get; init; } = 0.3;

    public Difficulty Classify(double passRate) =>
        passRate >= SimpleAtLeast ? Difficulty.Simple : passRate < HardBelow ? Difficulty.Hard : Difficulty.Medium;

    /// <summary>Recomputes pass rate and difficulty for the questions a run sampled, over all their verified traces.</summary>
    public async Task UpdateForRunAsync(long runId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var ids = db.RunItems.Where(i => i.RunId == runId).Select(i => i.QuestionId);
        var stats = await db.Traces
            .Where(t => ids.Contains(t.QuestionId) && (t.Verdict == Verdict.Correct || t.Verdict == Verdict.Incorrect))
            .GroupBy(t => t.QuestionId)
            .Select(g => new { QuestionId = g.Key, Correct = g.Count(t => t.Verdict == Verdict.Correct), Total = g.Count() })
            .ToListAsync(ct);
        foreach (var s in stats)
        {
            var rate = (double)s.Correct / s.Total;
            var difficulty = Classify(rate);
            await db.Questions.Where(q => q.Id == s.QuestionId).ExecuteUpdateAsync(u => u
                .SetProperty(q => q.PassRate, rate).SetProperty(q => q.VerifiedSamples, s.Total)
                .SetProperty(q => q.Difficulty, difficulty).SetProperty(q => q.DifficultySource, DifficultySource.PassRate), ct);
        }
    }
}
