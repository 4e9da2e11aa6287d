using Microsoft.EntityFrameworkCore;
using DeepFinance.Core.Verification;

namespace DeepFinance.Core.Data;

/// <summary>Counts across the whole pipeline, for the dashboard.</summary>
public sealed record Overview(
    int SeedSources, int SeedItems, int Questions, decimal Spend,
    IReadOnlyDictionary<RunStatus, int> RunsByStatus, IReadOnlyList<OutcomeCount> TracesByOutcome)
{
    public int Traces => TracesByOutcome.Sum(x => x.Count);
}

public sealed record OutcomeCount(Verdict? Verdict, TraceStatus Status, int Count);

public sealed class OverviewQueries(IDbContextFactory<DeepFinanceDbContext> dbFactory)
{
    public async Task<Overview> GetAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var runs = await db.Runs.GroupBy(r => r.Status).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct);
        var outcomes = await db.Traces.GroupBy(t => new { t.Verdict, t.Status })
            .Select(g => new OutcomeCount(g.Key.Verdict, g.Key.Status, g.Count())).ToListAsync(ct);
        var spendMicros = await db.Runs.SumAsync(r => (long?)r.CostMicros, ct) ?? 0;
        return new Overview(
            await db.SeedSources.CountAsync(ct),
            await db.SeedItems.CountAsync(ct),
            await db.Questions.CountAsync(ct),
            spendMicros / 1_000_000m,
            runs.ToDictionary(r => r.Key, r => r.Count),
            outcomes);
    }
}
