using System.Text.Json;
using DeepFinance.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Audit;

/// <summary>One security-relevant change: who, what, when, on what, before and after (never secrets).</summary>
public sealed class AuditEntry
{
    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    public required string Actor { get; set; }
    /// <summary>A dotted verb such as <c>user.created</c>, <c>synthesizer.key-set</c>, <c>run.launched</c>.</summary>
    public required string Action { get; set; }
    /// <summary>What was acted on, e.g. <c>user:alice@bank.example</c>, <c>run:42</c>.</summary>
    public required string Subject { get; set; }
    public string? Before { get; set; }
    public string? After { get; set; }
}

public sealed record AuditFilter(string? Actor = null, string? Action = null, string? Subject = null,
    DateTimeOffset? From = null, DateTimeOffset? To = null, int Page = 1, int PageSize = 50);

/// <summary>
/// The audit log. Every security-relevant change goes through <see cref="WriteAsync"/>; callers pass
/// before/after objects that hold no secrets (a key is recorded as "set", never its value).
/// </summary>
public sealed class AuditLog(IDbContextFactory<DeepFinanceDbContext> dbFactory, TimeProvider time)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    public async Task WriteAsync(string actor, string action, string subject, object? before = null, object? after = null, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.AuditEntries.Add(new AuditEntry
        {
            At = time.GetUtcNow(),
            Actor = string.IsNullOrWhiteSpace(actor) ? "system" : actor,
            Action = action,
            Subject = subject,
            Before = before is null ? null : JsonSerializer.Serialize(before, Json),
            After = after is null ? null : JsonSerializer.Serialize(after, Json),
        });
        await db.SaveChangesAsync(CancellationToken.None);
    }

    public async Task<(int Total, IReadOnlyList<AuditEntry> Items)> QueryAsync(AuditFilter filter, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = Filtered(db, filter);
        var total = await query.CountAsync(ct);
        var size = Math.Clamp(filter.PageSize, 1, 1000);
        var items = await query.OrderByDescending(e => e.Id).Skip(Paging.Offset(filter.Page, size)).Take(size).ToListAsync(ct);
        return (total, items);
    }

    /// <summary>Every matching entry, newest first, streamed (for CSV export).</summary>
    public async IAsyncEnumerable<AuditEntry> StreamAsync(AuditFilter filter, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await foreach (var entry in Filtered(db, filter).OrderByDescending(e => e.Id).AsAsyncEnumerable().WithCancellation(ct))
        {
            yield return entry;
        }
    }

    private static IQueryable<AuditEntry> Filtered(DeepFinanceDbContext db, AuditFilter f)
    {
        var q = db.AuditEntries.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(f.Actor))
        {
            q = q.Where(e => e.Actor.Contains(f.Actor));
        }
        if (!string.IsNullOrWhiteSpace(f.Action))
        {
            q = q.Where(e => e.Action.StartsWith(f.Action));
        }
        if (!string.IsNullOrWhiteSpace(f.Subject))
        {
            q = q.Where(e => e.Subject.Contains(f.Subject));
        }
        if (f.From is { } from)
        {
            q = q.Where(e => e.At >= from);
        }
        if (f.To is { } to)
        {
            q = q.Where(e => e.At < to);
        }
        return q;
    }
}
