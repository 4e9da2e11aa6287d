using System.Globalization;
using DeepFinance.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Extraction;

/// <summary>A row of the knowledge-point browser: the point with how many traces it came from and questions it produced.</summary>
public sealed record KnowledgePointRow(long Id, string Text, KnowledgePointKind Kind, DateTimeOffset FirstSeenAt, long FirstRunId, int Traces, int Questions);

public sealed record KnowledgePointList(int Total, IReadOnlyList<KnowledgePointRow> Items);

/// <summary>A trace a point was mined from, with the wording that trace's mining used.</summary>
public sealed record KnowledgePointSource(long TraceId, long RunId, long QuestionId, string Statement, DateTimeOffset MinedAt);

/// <summary>A question a point produced (verified, in the pool) or a proposal on it that was rejected.</summary>
public sealed record KnowledgePointQuestion(long? QuestionId, string? Text, string? ReferenceAnswer, TaskType? TaskType, Difficulty? Difficulty,
    long? ParentTraceId, string? RejectReason, string? RejectDetail);

public sealed record KnowledgePointDetail(KnowledgePointRow Point, IReadOnlyList<KnowledgePointSource> Sources, IReadOnlyList<KnowledgePointQuestion> Questions,
    IReadOnlyList<KnowledgePointQuestion> Rejected);

/// <summary>What the browser and <c>GET /api/v1/knowledge-points</c> ask for.</summary>
public sealed record KnowledgePointQuery(KnowledgePointKind? Kind = null, string? Search = null, int Page = 1, int PageSize = 50)
{
    public const int MaxPageSize = 200;

    /// <summary>Reads the query string, or names the parameter that is wrong.</summary>
    public static (KnowledgePointQuery? Query, string? Parameter, string? Error) Parse(string? kind, string? q, int? page, int? pageSize)
    {
        var query = new KnowledgePointQuery(Page: page ?? 1, PageSize: pageSize ?? 50);
        if (!string.IsNullOrWhiteSpace(kind))
        {
            if (!Enum.TryParse<KnowledgePointKind>(kind.Trim(), ignoreCase: true, out var k) || !Enum.IsDefined(k) || int.TryParse(kind, out _))
            {
                return (null, "kind", $"'{kind}' is not one of {string.Join(", ", Enum.GetNames<KnowledgePointKind>())}.");
            }
            query = query with { Kind = k };
        }
        if (!string.IsNullOrWhiteSpace(q))
        {
            if (q.Trim().Length > QuestionQuery.MaxSearchLength)
            {
                return (null, "q", string.Create(CultureInfo.InvariantCulture, $"a search may be at most {QuestionQuery.MaxSearchLength} characters."));
            }
            query = query with { Search = q.Trim() };
        }
        if (page is < 1)
        {
            return (null, "page", "page must be at least 1.");
        }
        if (pageSize is < 1 or > MaxPageSize)
        {
            return (null, "pageSize", string.Create(CultureInfo.InvariantCulture, $"pageSize must be between 1 and {MaxPageSize}."));
        }
        return (query, null, null);
    }
}

/// <summary>The knowledge-point browser's queries (page and API share them).</summary>
public sealed class KnowledgePointQueries(IDbContextFactory<DeepFinanceDbContext> dbFactory)
{
    public const int MaxListed = 200;

    /// <summary>Points matching the filters, most-mentioned first (then newest).</summary>
    public async Task<KnowledgePointList> ListAsync(KnowledgePointQuery query, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var pageSize = Math.Clamp(query.PageSize, 1, KnowledgePointQuery.MaxPageSize);
        var page = Math.Max(1, query.Page);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var q = db.KnowledgePoints.AsNoTracking();
        if (query.Kind is { } k)
        {
            q = q.Where(p => p.Kind == k);
        }
        if (query.Search is { Length: > 0 } term)
        {
            q = q.Where(p => p.Text.Contains(term) || db.KnowledgePointTraces.Any(l => l.KnowledgePointId == p.Id && l.Statement.Contains(term)));
        }
        var total = await q.CountAsync(ct);
        var items = await Rows(db, q.OrderByDescending(p => p.Mentions).ThenByDescending(p => p.Id).Skip((page - 1) * pageSize).Take(pageSize))
            .ToListAsync(ct);
        return new KnowledgePointList(total, items);
    }

    /// <summary>The point, the traces it was mined from and the questions it produced; null for an unknown id.</summary>
    public async Task<KnowledgePointDetail?> DetailAsync(long id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var point = await Rows(db, db.KnowledgePoints.AsNoTracking().Where(p => p.Id == id)).FirstOrDefaultAsync(ct);
        if (point is null)
        {
            return null;
        }
        var sources = await (from l in db.KnowledgePointTraces
                             join t in db.Traces on l.TraceId equals t.Id
                             where l.KnowledgePointId == id
                             orderby l.TraceId
                             select new KnowledgePointSource(l.TraceId, l.RunId, t.QuestionId, l.Statement, l.MinedAt)).Take(MaxListed).ToListAsync(ct);
        var questions = await db.Questions.AsNoTracking().Where(q => q.KnowledgePointId == id).OrderBy(q => q.Id).Take(MaxListed)
            .Select(q => new KnowledgePointQuestion(q.Id, q.Text, q.ReferenceAnswer, q.TaskType, q.Difficulty, q.ParentTraceId, null, null)).ToListAsync(ct);
        var rejected = await db.DerivedCandidates.AsNoTracking().Where(c => c.KnowledgePointId == id && c.Status == DerivedStatus.Rejected)
            .OrderBy(c => c.Id).Take(MaxListed)
            .Select(c => new KnowledgePointQuestion(null, c.Text, c.Answer, null, null, c.ParentTraceId, c.RejectReason, c.RejectDetail)).ToListAsync(ct);
        return new KnowledgePointDetail(point, sources, questions, rejected);
    }

    private static IQueryable<KnowledgePointRow> Rows(DeepFinanceDbContext db, IQueryable<KnowledgePoint> points) => points.Select(p => new KnowledgePointRow(
        p.Id, p.Text, p.Kind, p.FirstSeenAt, p.FirstRunId,
        db.KnowledgePointTraces.Count(l => l.KnowledgePointId == p.Id),
        db.Questions.Count(q => q.KnowledgePointId == p.Id)));
}
