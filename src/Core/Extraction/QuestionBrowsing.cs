using System.Globalization;
using DeepFinance.Core.Data;
using DeepFinance.Core.Verification;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Extraction;

/// <summary>
/// A question's status in the browser and the API, derived from what is stored (the one place it is defined):
/// <list type="bullet">
/// <item><c>disputed</c>: a reviewer disputed its reference; it is out of every dataset until settled (wins over all below).</item>
/// <item><c>verified</c>: at least one sampled answer was judged correct.</item>
/// <item><c>no-reference</c>: no reference answer, and no answer was judged correct (e.g. awaiting self-consistency).</item>
/// <item><c>rejected</c>: it has a reference, answers were judged, and none was correct.</item>
/// <item><c>pending</c>: it has a reference and no answer has been judged yet.</item>
/// </list>
/// </summary>
public static class QuestionStatuses
{
    public const string Pending = "pending";
    public const string Verified = "verified";
    public const string Rejected = "rejected";
    public const string Disputed = "disputed";
    public const string NoReference = "no-reference";

    public static IReadOnlyList<string> All { get; } = [Pending, Verified, Rejected, Disputed, NoReference];

    /// <summary>The status from the facts it rests on, in the order of the list above.</summary>
    public static string Of(bool disputed, bool anyCorrect, bool hasReference, bool anyJudged) =>
        disputed ? Disputed : anyCorrect ? Verified : !hasReference ? NoReference : anyJudged ? Rejected : Pending;

    /// <summary>The questions with <paramref name="status"/>, as SQL (the same rules as <see cref="Of"/>).</summary>
    public static IQueryable<Question> Where(IQueryable<Question> questions, DeepFinanceDbContext db, string status)
    {
        ArgumentNullException.ThrowIfNull(db);
        var disputed = questions.Where(q => q.ReferenceDisputedAt != null);
        var open = questions.Where(q => q.ReferenceDisputedAt == null);
        var notCorrect = open.Where(q => !db.Traces.Any(t => t.QuestionId == q.Id && t.Verdict == Verdict.Correct));
        return status switch
        {
            Disputed => disputed,
            Verified => open.Where(q => db.Traces.Any(t => t.QuestionId == q.Id && t.Verdict == Verdict.Correct)),
            NoReference => notCorrect.Where(q => q.ReferenceAnswer == null),
            Rejected => notCorrect.Where(q => q.ReferenceAnswer != null && db.Traces.Any(t => t.QuestionId == q.Id && t.Verdict != null)),
            Pending => notCorrect.Where(q => q.ReferenceAnswer != null && !db.Traces.Any(t => t.QuestionId == q.Id && t.Verdict != null)),
            _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Unknown question status."),
        };
    }
}

/// <summary>What the question list may be sorted by.</summary>
public enum QuestionSort { Id, Origin, TaskType, Difficulty }

/// <summary>One page of the question browser or of <c>GET /api/v1/questions</c>: filters, sort and page.</summary>
public sealed record QuestionQuery(
    QuestionOrigin? Origin = null,
    TaskType? TaskType = null,
    Difficulty? Difficulty = null,
    string? Status = null,
    string? Search = null,
    QuestionSort SortBy = QuestionSort.Id,
    bool Descending = true,
    int Page = 1,
    int PageSize = 50)
{
    public const int MaxPageSize = 200;
    public const int MaxSearchLength = 200;

    /// <summary>
    /// Reads the query string's filters, or names the parameter that is wrong. Names are case-insensitive; task types
    /// take their enum or display name ("KnowledgeQa", "Knowledge QA").
    /// </summary>
    public static (QuestionQuery? Query, string? Parameter, string? Error) Parse(string? origin, string? taskType, string? difficulty, string? status,
        string? q, string? sort, bool? descending, int? page, int? pageSize)
    {
        var query = new QuestionQuery(Descending: descending ?? true, Page: page ?? 1, PageSize: pageSize ?? 50);
        if (!string.IsNullOrWhiteSpace(origin))
        {
            if (!Enum.TryParse<QuestionOrigin>(origin.Trim(), ignoreCase: true, out var o) || !Enum.IsDefined(o) || int.TryParse(origin, out _))
            {
                return (null, "origin", $"'{origin}' is not one of {string.Join(", ", Enum.GetNames<QuestionOrigin>())}.");
            }
            query = query with { Origin = o };
        }
        if (!string.IsNullOrWhiteSpace(taskType))
        {
            if (!TaskTypes.TryParse(taskType, out var t)
                && (!Enum.TryParse(taskType.Trim(), ignoreCase: true, out t) || !Enum.IsDefined(t) || int.TryParse(taskType, out _)))
            {
                return (null, "taskType", $"'{taskType}' is not one of {string.Join(", ", Enum.GetNames<TaskType>())}.");
            }
            query = query with { TaskType = t };
        }
        if (!string.IsNullOrWhiteSpace(difficulty))
        {
            if (!Enum.TryParse<Difficulty>(difficulty.Trim(), ignoreCase: true, out var d) || !Enum.IsDefined(d) || int.TryParse(difficulty, out _))
            {
                return (null, "difficulty", $"'{difficulty}' is not one of {string.Join(", ", Enum.GetNames<Difficulty>())}.");
            }
            query = query with { Difficulty = d };
        }
        if (!string.IsNullOrWhiteSpace(status))
        {
            var s = status.Trim().ToLowerInvariant();
            if (!QuestionStatuses.All.Contains(s))
            {
                return (null, "status", $"'{status}' is not one of {string.Join(", ", QuestionStatuses.All)}.");
            }
            query = query with { Status = s };
        }
        if (!string.IsNullOrWhiteSpace(q))
        {
            if (q.Trim().Length > MaxSearchLength)
            {
                return (null, "q", string.Create(CultureInfo.InvariantCulture, $"a search may be at most {MaxSearchLength} characters."));
            }
            query = query with { Search = q.Trim() };
        }
        if (!string.IsNullOrWhiteSpace(sort))
        {
            if (!Enum.TryParse<QuestionSort>(sort.Trim(), ignoreCase: true, out var by) || !Enum.IsDefined(by) || int.TryParse(sort, out _))
            {
                return (null, "sort", $"'{sort}' is not one of {string.Join(", ", Enum.GetNames<QuestionSort>())}.");
            }
            query = query with { SortBy = by };
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

/// <summary>A trace of a question, as the lineage page links to it.</summary>
public sealed record QuestionTraceLink(long Id, long RunId, int SampleIndex, int Round, Verdict? Verdict);

/// <summary>
/// Everything the lineage page shows about the question itself: text (desensitized for real-world queries, which is the
/// only text a question stores), options, reference, typing, status, where it came from and its traces.
/// </summary>
public sealed record QuestionDetail(long Id, QuestionOrigin Origin, string Text, IReadOnlyList<string>? Options, string? ReferenceAnswer,
    TaskType? TaskType, Difficulty? Difficulty, DifficultySource? DifficultySource, double? PassRate, string Status, string Language,
    long? CreatedByRunId, long? SeedItemId, long? SeedSourceId, string? SeedSourceName, int? SeedLine, string? SeedExternalId,
    long? RealWorldQueryId, long? KnowledgePointId, string? KnowledgePoint, int TraceCount, IReadOnlyList<QuestionTraceLink> Traces);

/// <summary>The question browser's query, shared by the page and the API.</summary>
public sealed class QuestionBrowser(IDbContextFactory<DeepFinanceDbContext> dbFactory)
{
    /// <summary>A page of questions matching the filters, sorted (ties by id), with each row's status.</summary>
    public async Task<QuestionList> ListAsync(QuestionQuery query, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var pageSize = Math.Clamp(query.PageSize, 1, QuestionQuery.MaxPageSize);
        var page = Math.Max(1, query.Page);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var q = db.Questions.AsNoTracking();
        if (query.Origin is { } o)
        {
            q = q.Where(x => x.Origin == o);
        }
        if (query.TaskType is { } t)
        {
            q = q.Where(x => x.TaskType == t);
        }
        if (query.Difficulty is { } d)
        {
            q = q.Where(x => x.Difficulty == d);
        }
        if (query.Status is { } s)
        {
            q = QuestionStatuses.Where(q, db, s);
        }
        if (query.Search is { Length: > 0 } term)
        {
            // Question text is stored desensitized for real-world queries, so searching it never reaches raw text.
            q = q.Where(x => x.Text.Contains(term) || (x.ReferenceAnswer != null && x.ReferenceAnswer.Contains(term)));
        }
        var total = await q.CountAsync(ct);
        // Enums are stored as names; ordering by them is alphabetical, which is what a person reading the column expects.
        var ordered = (query.SortBy, query.Descending) switch
        {
            (QuestionSort.Origin, false) => q.OrderBy(x => x.Origin).ThenBy(x => x.Id),
            (QuestionSort.Origin, true) => q.OrderByDescending(x => x.Origin).ThenByDescending(x => x.Id),
            (QuestionSort.TaskType, false) => q.OrderBy(x => x.TaskType).ThenBy(x => x.Id),
            (QuestionSort.TaskType, true) => q.OrderByDescending(x => x.TaskType).ThenByDescending(x => x.Id),
            (QuestionSort.Difficulty, false) => q.OrderBy(x => x.Difficulty).ThenBy(x => x.Id),
            (QuestionSort.Difficulty, true) => q.OrderByDescending(x => x.Difficulty).ThenByDescending(x => x.Id),
            (_, false) => q.OrderBy(x => x.Id),
            _ => q.OrderByDescending(x => x.Id),
        };
        var rows = await ordered.Skip((page - 1) * pageSize).Take(pageSize)
            .Select(x => new
            {
                x.Id, x.ParentQuestionId, x.Origin, x.TaskType, x.Difficulty, x.Text, Disputed = x.ReferenceDisputedAt != null,
                HasReference = x.ReferenceAnswer != null,
                Correct = db.Traces.Any(t => t.QuestionId == x.Id && t.Verdict == Verdict.Correct),
                Judged = db.Traces.Any(t => t.QuestionId == x.Id && t.Verdict != null),
            }).ToListAsync(ct);
        return new QuestionList(total, [.. rows.Select(x => new QuestionRow(x.Id, x.ParentQuestionId, x.Origin, x.TaskType, x.Difficulty, x.Text,
            QuestionStatuses.Of(x.Disputed, x.Correct, x.HasReference, x.Judged)))]);
    }

    public const int MaxTraceLinks = 50;

    /// <summary>The question's own facts for the lineage page; null for an unknown id.</summary>
    public async Task<QuestionDetail?> DetailAsync(long id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var x = await db.Questions.AsNoTracking().FirstOrDefaultAsync(q => q.Id == id, ct);
        if (x is null)
        {
            return null;
        }
        var seed = x.SeedItemId is { } sid
            ? await (from i in db.SeedItems
                     join s in db.SeedSources on i.SeedSourceId equals s.Id
                     where i.Id == sid
                     select new { SourceId = s.Id, s.Name, i.LineNumber, i.ExternalId }).FirstOrDefaultAsync(ct)
            : null;
        var realWorld = x.Origin == QuestionOrigin.RealWorld
            ? await db.RealWorldQueries.Where(r => r.QuestionId == id).Select(r => (long?)r.Id).FirstOrDefaultAsync(ct)
            : null;
        var point = x.KnowledgePointId is { } pid ? await db.KnowledgePoints.Where(p => p.Id == pid).Select(p => p.Text).FirstOrDefaultAsync(ct) : null;
        var traces = db.Traces.AsNoTracking().Where(t => t.QuestionId == id);
        var traceCount = await traces.CountAsync(ct);
        var links = await traces.OrderBy(t => t.Id).Take(MaxTraceLinks)
            .Select(t => new QuestionTraceLink(t.Id, t.RunId, t.SampleIndex, t.Round, t.Verdict)).ToListAsync(ct);
        var status = QuestionStatuses.Of(x.ReferenceDisputedAt is not null, links.Any(l => l.Verdict == Verdict.Correct)
            || (traceCount > links.Count && await traces.AnyAsync(t => t.Verdict == Verdict.Correct, ct)), x.ReferenceAnswer is not null,
            await traces.AnyAsync(t => t.Verdict != null, ct));
        return new QuestionDetail(x.Id, x.Origin, x.Text, x.Options, x.ReferenceAnswer, x.TaskType, x.Difficulty, x.DifficultySource, x.PassRate,
            status, x.Language, x.CreatedByRunId, x.SeedItemId, seed?.SourceId, seed?.Name, seed?.LineNumber, seed?.ExternalId, realWorld,
            x.KnowledgePointId, point ?? x.KnowledgePoint, traceCount, links);
    }
}
