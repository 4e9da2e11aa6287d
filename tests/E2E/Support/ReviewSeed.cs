using DeepFinance.Core.Data;
using DeepFinance.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DeepFinance.E2E.Tests.Support;

/// <summary>
/// Review items for the browser tests, written the way an scr run leaves them (the shared <see cref="ScrReviewData"/>),
/// all under one scr run so a test can filter the queue to its own items while other tests add theirs.
/// </summary>
public static class ReviewSeed
{
    public static async Task<(long RunId, IReadOnlyList<ScrReviewRows> Items)> WriteAsync(E2EApp app, int count, bool leakOnLast = false)
    {
        var dbFactory = app.Services.GetRequiredService<IDbContextFactory<DeepFinanceDbContext>>();
        var items = new List<ScrReviewRows>();
        for (var i = 0; i < count; i++)
        {
            items.Add(await ScrReviewData.WriteAsync(dbFactory, rounds: i % 2 + 1, leak: leakOnLast && i == count - 1));
        }
        var runId = items[0].ScrRunId;
        await using var db = await dbFactory.CreateDbContextAsync();
        var ids = items.Select(x => x.ReviewId).ToList();
        await db.Reviews.Where(r => ids.Contains(r.Id)).ExecuteUpdateAsync(s => s.SetProperty(r => r.RunId, runId));
        var traces = items.SelectMany(x => x.RoundTraceIds).ToList();
        await db.Traces.Where(t => traces.Contains(t.Id)).ExecuteUpdateAsync(s => s.SetProperty(t => t.RunId, runId));
        return (runId, items);
    }

    public static async Task<Review> ReadAsync(E2EApp app, long reviewId)
    {
        var dbFactory = app.Services.GetRequiredService<IDbContextFactory<DeepFinanceDbContext>>();
        await using var db = await dbFactory.CreateDbContextAsync();
        return await db.Reviews.AsNoTracking().SingleAsync(r => r.Id == reviewId);
    }
}
