using DeepFinance.Core.Data;
using DeepFinance.Core.Verification;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Rewriting;

/// <summary>What an <c>scr</c> run yielded, counted in the database.</summary>
/// <param name="FailedIn">Failed traces the run took (its items).</param>
/// <param name="FixedByRound">Rewrites verified, by the round (1, 2, …) that fixed them.</param>
/// <param name="StillWrong">Items whose every round stayed wrong.</param>
/// <param name="Unfinished">Items not done yet, or failed (a call that could not be completed).</param>
/// <param name="LeakFlaggedRounds">Rounds whose reflection or rewrite the leak screen flagged.</param>
/// <param name="LeakFlaggedReviews">Verified rewrites waiting for or given a review with the leak flag set.</param>
/// <param name="Reviews">Review outcomes of this run's rewrites, by status.</param>
public sealed record ScrYields(
    int FailedIn, IReadOnlyDictionary<int, int> FixedByRound, int StillWrong, int Unfinished, int LeakFlaggedRounds, int LeakFlaggedReviews,
    IReadOnlyDictionary<ReviewStatus, int> Reviews)
{
    public int Fixed => FixedByRound.Values.Sum();

    public double? FixRate => FailedIn == 0 ? null : (double)Fixed / FailedIn;
}

/// <summary>A run an operator may rewrite from, with how many failed first answers it left.</summary>
public sealed record ScrSourceRun(long Id, string? Name, string Kind, int Failed);

public sealed class ScrYieldQueries(IDbContextFactory<DeepFinanceDbContext> dbFactory)
{
    /// <summary>The latest runs with failed traces an scr run would take (the launcher's source-run picker).</summary>
    public async Task<IReadOnlyList<ScrSourceRun>> SourceRunsAsync(int take = 100, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var counts = await ScrRunHandler.Eligible(db, new ScrSpec()).GroupBy(t => t.RunId)
            .Select(g => new { RunId = g.Key, Count = g.Count() }).OrderByDescending(x => x.RunId).Take(take).ToListAsync(ct);
        var ids = counts.Select(c => c.RunId).ToList();
        var runs = await db.Runs.AsNoTracking().Where(r => ids.Contains(r.Id)).ToDictionaryAsync(r => r.Id, ct);
        return [.. counts.Where(c => runs.ContainsKey(c.RunId)).Select(c => new ScrSourceRun(c.RunId, runs[c.RunId].Name, runs[c.RunId].Kind, c.Count))];
    }

    public async Task<ScrYields> ForRunAsync(long runId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var items = await db.RunItems.Where(i => i.RunId == runId).GroupBy(i => i.Status).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct);
        var total = items.Sum(i => i.Count);
        var done = items.Where(i => i.Key == RunItemStatus.Done).Sum(i => i.Count);
        var traces = db.Traces.Where(t => t.RunId == runId);
        // A verified round is always an item's last one: the loop stops there.
        var fixedByRound = await traces.Where(t => t.Verdict == Verdict.Correct).GroupBy(t => t.Round)
            .Select(g => new { Round = g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Round, x => x.Count, ct);
        var flaggedRounds = await traces.CountAsync(t => t.LeakHits != null, ct);
        var reviews = db.Reviews.Where(r => r.RunId == runId);
        var byStatus = await reviews.GroupBy(r => r.Status).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.Count, ct);
        var flaggedReviews = await reviews.CountAsync(r => r.LeakFlag, ct);
        var fixedCount = fixedByRound.Values.Sum();
        return new ScrYields(total, new SortedDictionary<int, int>(fixedByRound), Math.Max(0, done - fixedCount), total - done, flaggedRounds,
            flaggedReviews, byStatus);
    }
}
