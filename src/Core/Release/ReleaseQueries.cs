using DeepFinance.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Release;

public sealed record ReleaseSummary(long Id, string Version, string? Title, ReleaseStatus Status, int QuestionCount, int TraceCount, int PairCount,
    int ExcludedCount, int OpenPiiHits, string CreatedBy, DateTimeOffset CreatedAt)
{
    public bool Exportable => ReleaseRules.CanExport(Status);
}

public sealed record ReleaseOverview(ReleaseSummary Summary, string? PreviousVersion, string? License, string? Changelog, ReleaseSelection Selection,
    ReleaseStats Stats, IReadOnlyDictionary<string, int> PiiHitsByStatus, string? ExportRefusal);

public sealed record ReleaseItemFilter(ReleaseItemKind? Kind = null, TaskType? TaskType = null, Difficulty? Difficulty = null, long? QuestionId = null,
    int Page = 1, int PageSize = 50);

public sealed record ReleaseItemRow(long TraceId, long QuestionId, ReleaseItemKind Kind, long? ReviewId, long? OriginalTraceId, TaskType? TaskType,
    Difficulty? Difficulty, string Language, string Question, bool Edited);

public sealed record ReleaseExclusionRow(long Id, long QuestionId, long? TraceId, string ReasonCode, string? Detail);

public sealed record ReleasePiiHitRow(long Id, long QuestionId, long? TraceId, string Field, string EntityType, string Level, string Context,
    PiiHitStatus Status, string? WaiverReason, string? ResolvedBy, DateTimeOffset? ResolvedAt);

/// <summary>Reads releases for the API and the pages, every list paged in the database.</summary>
public sealed class ReleaseQueries(IDbContextFactory<DeepFinanceDbContext> dbFactory)
{
    public const int MaxPageSize = 200;
    public const int PreviewChars = 200;

    public async Task<(int Total, IReadOnlyList<ReleaseSummary> Items)> ListAsync(int page, int pageSize, ReleaseStatus? status = null, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = db.Releases.AsNoTracking().Where(r => status == null || r.Status == status);
        var total = await query.CountAsync(ct);
        var size = Math.Clamp(pageSize, 1, MaxPageSize);
        var items = await Summaries(db, query.OrderByDescending(r => r.Id).Skip(Paging.Offset(page, size)).Take(size)).ToListAsync(ct);
        return (total, items);
    }

    public async Task<ReleaseOverview?> GetAsync(long id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var release = await db.Releases.AsNoTracking().SingleOrDefaultAsync(r => r.Id == id, ct);
        if (release is null)
        {
            return null;
        }
        var summary = await Summaries(db, db.Releases.AsNoTracking().Where(r => r.Id == id)).SingleAsync(ct);
        var previous = release.PreviousReleaseId is { } p ? await db.Releases.Where(r => r.Id == p).Select(r => r.Version).FirstOrDefaultAsync(ct) : null;
        var byStatus = await db.ReleasePiiHits.Where(h => h.ReleaseId == id).GroupBy(h => h.Status)
            .Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct);
        return new ReleaseOverview(summary, previous, release.License, release.Changelog, SelectionJson.Read(release.SelectionJson),
            ReleaseStats.Parse(release.StatsJson), byStatus.ToDictionary(g => g.Key.ToString(), g => g.Count), ReleaseRules.ExportRefusal(release));
    }

    public async Task<(int Total, IReadOnlyList<ReleaseItemRow> Items)> ItemsAsync(long releaseId, ReleaseItemFilter filter, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = from i in db.ReleaseItems.AsNoTracking()
                    join q in db.Questions.AsNoTracking() on i.QuestionId equals q.Id
                    where i.ReleaseId == releaseId
                    select new { i, q };
        if (filter.Kind is { } kind)
        {
            query = query.Where(x => x.i.Kind == kind);
        }
        if (filter.TaskType is { } type)
        {
            query = query.Where(x => x.q.TaskType == type);
        }
        if (filter.Difficulty is { } difficulty)
        {
            query = query.Where(x => x.q.Difficulty == difficulty);
        }
        if (filter.QuestionId is { } questionId)
        {
            query = query.Where(x => x.i.QuestionId == questionId);
        }
        var total = await query.CountAsync(ct);
        var size = Math.Clamp(filter.PageSize, 1, MaxPageSize);
        var rows = await query.OrderBy(x => x.i.TraceId).Skip(Paging.Offset(filter.Page, size)).Take(size)
            .Select(x => new
            {
                x.i.TraceId, x.i.QuestionId, x.i.Kind, x.i.ReviewId, x.i.OriginalTraceId, x.q.TaskType, x.q.Difficulty, x.q.Language,
                Text = (x.i.QuestionText ?? x.q.Text).Substring(0, PreviewChars),
                Edited = x.i.QuestionText != null || x.i.Reasoning != null || x.i.Answer != null,
            }).ToListAsync(ct);
        return (total, rows.Select(r => new ReleaseItemRow(r.TraceId, r.QuestionId, r.Kind, r.ReviewId, r.OriginalTraceId, r.TaskType, r.Difficulty, r.Language,
            r.Text, r.Edited)).ToList());
    }

    public async Task<(int Total, IReadOnlyList<ReleaseExclusionRow> Items)> ExclusionsAsync(long releaseId, string? reason, int page, int pageSize, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = db.ReleaseExclusions.AsNoTracking().Where(e => e.ReleaseId == releaseId && (reason == null || e.ReasonCode == reason));
        var total = await query.CountAsync(ct);
        var size = Math.Clamp(pageSize, 1, MaxPageSize);
        var items = await query.OrderBy(e => e.Id).Skip(Paging.Offset(page, size)).Take(size)
            .Select(e => new ReleaseExclusionRow(e.Id, e.QuestionId, e.TraceId, e.ReasonCode, e.Detail)).ToListAsync(ct);
        return (total, items);
    }

    public async Task<IReadOnlyDictionary<string, int>> ExclusionCountsAsync(long releaseId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var counts = await db.ReleaseExclusions.Where(e => e.ReleaseId == releaseId).GroupBy(e => e.ReasonCode)
            .Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct);
        return counts.OrderByDescending(c => c.Count).ToDictionary(c => c.Key, c => c.Count);
    }

    public async Task<(int Total, IReadOnlyList<ReleasePiiHitRow> Items)> PiiHitsAsync(long releaseId, PiiHitStatus? status, int page, int pageSize, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = db.ReleasePiiHits.AsNoTracking().Where(h => h.ReleaseId == releaseId && (status == null || h.Status == status));
        var total = await query.CountAsync(ct);
        var size = Math.Clamp(pageSize, 1, MaxPageSize);
        var items = await query.OrderBy(h => h.Status).ThenBy(h => h.Id).Skip(Paging.Offset(page, size)).Take(size)
            .Select(h => new ReleasePiiHitRow(h.Id, h.QuestionId, h.TraceId, h.Field, h.EntityType, h.Level, h.Context, h.Status, h.WaiverReason,
                h.ResolvedBy, h.ResolvedAt)).ToListAsync(ct);
        return (total, items);
    }

    /// <summary>The text a release carries for one of its traces: its own copy where a fix changed it, else the source.</summary>
    public async Task<(string Question, string? Reasoning, string? Answer)?> ItemTextAsync(long releaseId, long traceId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await (from i in db.ReleaseItems.AsNoTracking()
                         join t in db.Traces.AsNoTracking() on i.TraceId equals t.Id
                         join q in db.Questions.AsNoTracking() on i.QuestionId equals q.Id
                         where i.ReleaseId == releaseId && i.TraceId == traceId
                         select new { Question = i.QuestionText ?? q.Text, Reasoning = i.Reasoning ?? t.Reasoning, Answer = i.Answer ?? t.Answer })
            .SingleOrDefaultAsync(ct);
        return row is null ? null : (row.Question, row.Reasoning, row.Answer);
    }

    private static IQueryable<ReleaseSummary> Summaries(DeepFinanceDbContext db, IQueryable<Data.Release> releases) =>
        releases.Select(r => new ReleaseSummary(r.Id, r.Version, r.Title, r.Status, r.QuestionCount, r.TraceCount, r.PairCount, r.ExcludedCount,
            db.ReleasePiiHits.Count(h => h.ReleaseId == r.Id && h.Status == PiiHitStatus.Open), r.CreatedBy, r.CreatedAt));
}
