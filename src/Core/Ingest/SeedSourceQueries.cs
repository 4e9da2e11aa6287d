using DeepFinance.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Ingest;

/// <summary>Reads seed sources for the pages and the API.</summary>
public sealed class SeedSourceQueries(IDbContextFactory<DeepFinanceDbContext> dbFactory)
{
    /// <summary>Seed sources, newest first; <paramref name="withItemsOnly"/> leaves out imports that hold nothing to sample.</summary>
    public async Task<List<SeedSource>> ListAsync(bool withItemsOnly = false, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = db.SeedSources.AsNoTracking();
        if (withItemsOnly)
        {
            query = query.Where(s => s.ItemCount > 0);
        }
        return await query.OrderByDescending(s => s.Id).ToListAsync(ct);
    }
}
