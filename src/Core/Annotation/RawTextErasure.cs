using DeepFinance.Core.Audit;
using DeepFinance.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace DeepFinance.Core.Annotation;

/// <summary>
/// Erases raw query text: per query or per import on request (Admin), and by retention when an import's period ends.
/// The encrypted raw text, the channel and the date asked are cleared; the desensitized text, the annotations and the
/// questions made from the query stay. On SQLite the write-ahead log is then checkpointed and the file vacuumed, so the
/// erased bytes leave the database file itself, not just its rows.
/// </summary>
public sealed class RawTextErasure(IDbContextFactory<DeepFinanceDbContext> dbFactory, AuditLog audit, TimeProvider time, ILogger<RawTextErasure> logger)
{
    public async Task<int> EraseQueryAsync(long id, Actor actor, string? reason, CancellationToken ct = default)
    {
        RequireAdmin(actor);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await db.RealWorldQueries.AnyAsync(q => q.Id == id, ct))
        {
            throw new KeyNotFoundException($"No query #{id}.");
        }
        var erased = await EraseAsync(db, db.RealWorldQueries.Where(q => q.Id == id), ct);
        await audit.WriteAsync(actor.Name, "realworld.raw-erased", AnnotationWorkbench.Subject(id), after: new { reason = Clip(reason), queries = erased }, ct: CancellationToken.None);
        await CompactAsync(db, ct);
        return erased;
    }

    public async Task<int> EraseImportAsync(long importId, Actor actor, string? reason, CancellationToken ct = default)
    {
        RequireAdmin(actor);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await db.RealWorldImports.AnyAsync(i => i.Id == importId, ct))
        {
            throw new KeyNotFoundException($"No import #{importId}.");
        }
        var erased = await EraseAsync(db, db.RealWorldQueries.Where(q => q.ImportId == importId), ct);
        await audit.WriteAsync(actor.Name, "realworld.raw-erased", $"realworld-import:{importId}", after: new { reason = Clip(reason), queries = erased }, ct: CancellationToken.None);
        await CompactAsync(db, ct);
        return erased;
    }

    /// <summary>Erases the raw text of every import whose retention has run out; the number of queries erased.</summary>
    public async Task<int> PurgeExpiredAsync(CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var expired = await db.RealWorldImports.Where(i => i.RawRetainedUntil <= now).Select(i => i.Id).ToListAsync(ct);
        var total = 0;
        foreach (var importId in expired)
        {
            var erased = await EraseAsync(db, db.RealWorldQueries.Where(q => q.ImportId == importId && q.RawProtected != null), ct);
            if (erased > 0)
            {
                total += erased;
                await audit.WriteAsync("system", "realworld.raw-erased", $"realworld-import:{importId}", after: new { reason = "retention", queries = erased },
                    ct: CancellationToken.None);
            }
        }
        if (total > 0)
        {
            await CompactAsync(db, ct);
        }
        return total;
    }

    private async Task<int> EraseAsync(DeepFinanceDbContext db, IQueryable<RealWorldQuery> queries, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        return await queries.ExecuteUpdateAsync(s => s
            .SetProperty(q => q.RawProtected, (string?)null)
            .SetProperty(q => q.RawErasedAt, q => q.RawErasedAt ?? now)
            .SetProperty(q => q.Channel, (string?)null)
            .SetProperty(q => q.AskedOn, (DateOnly?)null), ct);
    }

    /// <summary>Moves the log into the file and rewrites the file without free pages, so no erased byte stays behind.</summary>
    private async Task CompactAsync(DeepFinanceDbContext db, CancellationToken ct)
    {
        if (!db.Database.IsSqlite())
        {
            return;
        }
        try
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE);", ct);
            await db.Database.ExecuteSqlRawAsync("VACUUM;", ct);
            await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE);", ct);
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or InvalidOperationException)
        {
            // The rows are erased already; the next erasure or retention sweep compacts again.
            logger.LogWarning(e, "Raw text was erased, but the database file could not be compacted now; the next sweep tries again.");
        }
    }

    private static string? Clip(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Length <= 500 ? s.Trim() : s.Trim()[..500];

    private static void RequireAdmin(Actor actor)
    {
        if (!actor.IsAdmin)
        {
            throw new RealWorldForbiddenException("Only an Admin erases raw query text.");
        }
    }
}
