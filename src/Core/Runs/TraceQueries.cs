using System.Linq.Expressions;
using DeepFinance.Core.Data;
using DeepFinance.Core.Verification;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Runs;

/// <summary>Filters, sort and page of the trace grid; everything happens in the database.</summary>
public sealed record TraceQuery(
    long? RunId = null,
    Verdict? Verdict = null,
    TaskType? TaskType = null,
    string? Synthesizer = null,
    TraceStatus? Status = null,
    string? Search = null,
    string SortBy = "id",
    bool Descending = false,
    int Page = 1,
    int PageSize = 50,
    long? After = null,
    long? Before = null);

public sealed record TraceRow(
    long Id, long RunId, long QuestionId, int SampleIndex, TraceStatus Status, Verdict? Verdict, string? ExtractedAnswer,
    TaskType? TaskType, string SynthesizerName, string Model, int PromptTokens, int CompletionTokens, int ReasoningTokens,
    int LatencyMs, decimal Cost, bool FromStore, string QuestionPreview, string? FailureReason, DateTimeOffset CreatedAt);

/// <summary>
/// One page and the total it is part of. <paramref name="NextAfter"/> and <paramref name="PreviousBefore"/> are the trace ids to pass
/// as <c>After</c> / <c>Before</c> for the neighbouring pages, null at either end (and always null on the slow, filtered path).
/// </summary>
public sealed record Page<T>(int Total, IReadOnlyList<T> Items, long? NextAfter = null, long? PreviousBefore = null);

/// <summary>One trace with everything its detail view shows, and the links of its lineage.</summary>
public sealed record TraceDetail(
    CotTrace Trace, Question Question, SeedItem? SeedItem, SeedSource? SeedSource, Run Run, PromptTemplate? Prompt,
    IReadOnlyList<SiblingTrace> Siblings);

public sealed record SiblingTrace(long Id, long RunId, int SampleIndex, Verdict? Verdict, TraceStatus Status);

public sealed class TraceQueries(IDbContextFactory<DeepFinanceDbContext> dbFactory)
{
    public const int MaxPageSize = 500;

    public async Task<Page<TraceRow>> QueryAsync(TraceQuery q, CancellationToken ct = default)
    {
        if (q.After is not null && q.Before is not null)
        {
            throw new ArgumentException("Give either After or Before, not both.", nameof(q));
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (SeekKey(q) is { } key)
        {
            return await SeekAsync(db, q, key, ct);
        }
        if (q.After is not null || q.Before is not null)
        {
            throw new ArgumentException("Cursors (After/Before) need a run, at most a verdict filter, and sort by id, latency or tokens.", nameof(q));
        }
        var rows = from t in db.Traces.AsNoTracking()
                   join question in db.Questions on t.QuestionId equals question.Id
                   select new TraceAndQuestion { T = t, Question = question };
        if (q.RunId is { } runId)
        {
            rows = rows.Where(x => x.T.RunId == runId);
        }
        if (q.Verdict is { } verdict)
        {
            rows = rows.Where(x => x.T.Verdict == verdict);
        }
        if (q.Status is { } status)
        {
            rows = rows.Where(x => x.T.Status == status);
        }
        if (q.TaskType is { } taskType)
        {
            rows = rows.Where(x => x.Question.TaskType == taskType);
        }
        if (!string.IsNullOrWhiteSpace(q.Synthesizer))
        {
            rows = rows.Where(x => x.T.SynthesizerName == q.Synthesizer);
        }
        if (!string.IsNullOrWhiteSpace(q.Search))
        {
            var term = q.Search.Trim();
            rows = rows.Where(x => x.Question.Text.Contains(term) || (x.T.ExtractedAnswer != null && x.T.ExtractedAnswer.Contains(term)));
        }
        var total = await rows.CountAsync(ct);
        rows = (q.SortBy.ToLowerInvariant(), q.Descending) switch
        {
            ("latency" or "latencyms", false) => rows.OrderBy(x => x.T.LatencyMs).ThenBy(x => x.T.Id),
            ("latency" or "latencyms", true) => rows.OrderByDescending(x => x.T.LatencyMs).ThenByDescending(x => x.T.Id),
            ("tokens" or "completiontokens", false) => rows.OrderBy(x => x.T.CompletionTokens).ThenBy(x => x.T.Id),
            ("tokens" or "completiontokens", true) => rows.OrderByDescending(x => x.T.CompletionTokens).ThenByDescending(x => x.T.Id),
            ("cost", false) => rows.OrderBy(x => x.T.CostMicros).ThenBy(x => x.T.Id),
            ("cost", true) => rows.OrderByDescending(x => x.T.CostMicros).ThenByDescending(x => x.T.Id),
            ("verdict", false) => rows.OrderBy(x => x.T.Verdict).ThenBy(x => x.T.Id),
            ("verdict", true) => rows.OrderByDescending(x => x.T.Verdict).ThenByDescending(x => x.T.Id),
            ("question" or "questionid", false) => rows.OrderBy(x => x.T.QuestionId).ThenBy(x => x.T.SampleIndex),
            ("question" or "questionid", true) => rows.OrderByDescending(x => x.T.QuestionId).ThenByDescending(x => x.T.SampleIndex),
            (_, true) => rows.OrderByDescending(x => x.T.Id),
            _ => rows.OrderBy(x => x.T.Id),
        };
        var size = Math.Clamp(q.PageSize, 1, MaxPageSize);
        var page = await ProjectAsync(rows.Skip(Paging.Offset(q.Page, size)).Take(size), ct);
        return new Page<TraceRow>(total, page);
    }

    /// <summary>The grid's columns, cut in SQL (the preview is a substring there), then shaped into rows.</summary>
    private static async Task<List<TraceRow>> ProjectAsync(IQueryable<TraceAndQuestion> rows, CancellationToken ct)
    {
        var page = await rows.Select(x => new
        {
            x.T.Id, x.T.RunId, x.T.QuestionId, x.T.SampleIndex, x.T.Status, x.T.Verdict, x.T.ExtractedAnswer, x.Question.TaskType,
            x.T.SynthesizerName, x.T.Model, x.T.PromptTokens, x.T.CompletionTokens, x.T.ReasoningTokens, x.T.LatencyMs,
            x.T.CostMicros, x.T.FromStore, Preview = x.Question.Text.Substring(0, 160), x.T.FailureReason, x.T.CreatedAt,
        }).ToListAsync(ct);
        return page.Select(x => new TraceRow(x.Id, x.RunId, x.QuestionId, x.SampleIndex, x.Status, x.Verdict, x.ExtractedAnswer, x.TaskType,
            x.SynthesizerName, x.Model, x.PromptTokens, x.CompletionTokens, x.ReasoningTokens, x.LatencyMs, x.CostMicros / 1_000_000m,
            x.FromStore, x.Preview, x.FailureReason, x.CreatedAt)).ToList();
    }

    /// <summary>
    /// The column a run's grid can be paged on by seeking an index, or null when a filter needs the question
    /// (task type, search) or a column no index covers; those take the COUNT + OFFSET path.
    /// </summary>
    private static string? SeekKey(TraceQuery q)
    {
        if (q.RunId is null || q.TaskType is not null || q.Status is not null || !string.IsNullOrWhiteSpace(q.Synthesizer)
            || !string.IsNullOrWhiteSpace(q.Search))
        {
            return null;
        }
        return q.SortBy.ToLowerInvariant() switch
        {
            "id" or "" => nameof(CotTrace.Id),
            "latency" or "latencyms" => nameof(CotTrace.LatencyMs),
            "tokens" or "completiontokens" => nameof(CotTrace.CompletionTokens),
            _ => null,
        };
    }

    /// <summary>
    /// Keyset paging over the indexes (RunId[, Verdict], key, Id): ids of the page are read from the index alone, and only
    /// those rows are joined to their questions. Page N is read from whichever end is nearer, so the last page costs what the
    /// first does; a cursor seeks straight to its row. Totals come from the run's counters when no verdict filter is set.
    /// </summary>
    private static async Task<Page<TraceRow>> SeekAsync(DeepFinanceDbContext db, TraceQuery q, string key, CancellationToken ct)
    {
        var runId = q.RunId!.Value;
        var size = Math.Clamp(q.PageSize, 1, MaxPageSize);
        var traces = db.Traces.AsNoTracking().Where(t => t.RunId == runId);
        if (q.Verdict is { } verdict)
        {
            traces = traces.Where(t => t.Verdict == verdict);
        }
        var total = q.Verdict is null
            ? await db.Runs.Where(r => r.Id == runId).Select(r => r.Done + r.Failed).FirstOrDefaultAsync(ct)
            : await traces.CountAsync(ct);

        List<long> ids;
        bool hasPrevious, hasNext;
        if (q.After is { } after || q.Before is not null)
        {
            var cursorId = q.After ?? q.Before!.Value;
            var forward = q.After is not null;
            var cursor = await db.Traces.Where(t => t.Id == cursorId && t.RunId == runId)
                .Select(t => new { t.Id, t.LatencyMs, t.CompletionTokens }).FirstOrDefaultAsync(ct)
                ?? throw new ArgumentException($"Cursor {cursorId} is not a trace of run {runId}.", nameof(q));
            var cursorKey = key switch
            {
                nameof(CotTrace.LatencyMs) => cursor.LatencyMs,
                nameof(CotTrace.CompletionTokens) => cursor.CompletionTokens,
                _ => cursor.Id,
            };
            // Reading "before" a row is reading "after" it in the reverse order, then turning the page round.
            var ascending = forward != q.Descending;
            var beyond = traces.Where(Beyond(key, cursorKey, cursor.Id, ascending));
            ids = await Order(beyond, key, !ascending).Take(size + 1).ToListAsync(ct);
            var more = ids.Count > size;
            ids = ids.Take(size).ToList();
            if (!forward)
            {
                ids.Reverse();
            }
            (hasPrevious, hasNext) = forward ? (true, more) : (more, true);
        }
        else
        {
            var offset = (Math.Max(1, q.Page) - 1) * (long)size;
            if (offset >= total)
            {
                return new Page<TraceRow>(total, []);
            }
            var fromEnd = total - offset - size;
            if (offset <= fromEnd)
            {
                ids = await Order(traces, key, q.Descending).Skip((int)offset).Take(size).ToListAsync(ct);
            }
            else
            {
                // Nearer the end: read the reverse order, so the last page skips nothing.
                var take = (int)Math.Min(size, total - offset);
                ids = await Order(traces, key, !q.Descending).Skip((int)Math.Max(0, fromEnd)).Take(take).ToListAsync(ct);
                ids.Reverse();
            }
            (hasPrevious, hasNext) = (offset > 0, offset + ids.Count < total);
        }

        var rows = ids.Count == 0
            ? []
            : await ProjectAsync(from t in db.Traces.AsNoTracking()
                                 join question in db.Questions on t.QuestionId equals question.Id
                                 where ids.Contains(t.Id)
                                 select new TraceAndQuestion { T = t, Question = question }, ct);
        var byId = rows.ToDictionary(r => r.Id);
        var page = ids.Where(byId.ContainsKey).Select(id => byId[id]).ToList();
        return new Page<TraceRow>(total, page,
            hasNext && page.Count > 0 ? page[^1].Id : null,
            hasPrevious && page.Count > 0 ? page[0].Id : null);
    }

    /// <summary>
    /// Rows strictly beyond (key, id) in ascending or descending order, written as <c>key >= k AND (key > k OR Id > id)</c>
    /// so SQLite seeks the (RunId[, Verdict], key) index to k and filters only the ties.
    /// </summary>
    private static Expression<Func<CotTrace, bool>> Beyond(string key, long keyValue, long id, bool ascending)
    {
        var t = Expression.Parameter(typeof(CotTrace), "t");
        var column = Expression.Property(t, key);
        var k = Expression.Constant(Convert.ChangeType(keyValue, column.Type, System.Globalization.CultureInfo.InvariantCulture), column.Type);
        var idColumn = Expression.Property(t, nameof(CotTrace.Id));
        var idValue = Expression.Constant(id);
        var body = ascending
            ? Expression.AndAlso(Expression.GreaterThanOrEqual(column, k), Expression.OrElse(Expression.GreaterThan(column, k), Expression.GreaterThan(idColumn, idValue)))
            : Expression.AndAlso(Expression.LessThanOrEqual(column, k), Expression.OrElse(Expression.LessThan(column, k), Expression.LessThan(idColumn, idValue)));
        return Expression.Lambda<Func<CotTrace, bool>>(body, t);
    }

    /// <summary>Trace ids in grid order: the key, then the id to break ties, so every position is unique.</summary>
    private static IQueryable<long> Order(IQueryable<CotTrace> traces, string key, bool descending) => (key, descending) switch
    {
        (nameof(CotTrace.Id), false) => traces.OrderBy(t => t.Id).Select(t => t.Id),
        (nameof(CotTrace.Id), true) => traces.OrderByDescending(t => t.Id).Select(t => t.Id),
        (_, false) => traces.OrderBy(t => EF.Property<int>(t, key)).ThenBy(t => t.Id).Select(t => t.Id),
        (_, true) => traces.OrderByDescending(t => EF.Property<int>(t, key)).ThenByDescending(t => t.Id).Select(t => t.Id),
    };

    // Member-init (not a constructor) so EF can keep filtering and sorting on it in SQL.
    private sealed class TraceAndQuestion
    {
        public required CotTrace T { get; init; }

        public required Question Question { get; init; }
    }

    public async Task<TraceDetail?> GetAsync(long traceId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var trace = await db.Traces.AsNoTracking().FirstOrDefaultAsync(t => t.Id == traceId, ct);
        if (trace is null)
        {
            return null;
        }
        var question = await db.Questions.AsNoTracking().FirstAsync(q => q.Id == trace.QuestionId, ct);
        var seedItem = question.SeedItemId is { } sid ? await db.SeedItems.AsNoTracking().FirstOrDefaultAsync(i => i.Id == sid, ct) : null;
        var source = seedItem is null ? null : await db.SeedSources.AsNoTracking().FirstOrDefaultAsync(s => s.Id == seedItem.SeedSourceId, ct);
        var run = await db.Runs.AsNoTracking().FirstAsync(r => r.Id == trace.RunId, ct);
        var prompt = await db.PromptTemplates.AsNoTracking().FirstOrDefaultAsync(p => p.Id == trace.PromptTemplateId, ct);
        var siblings = await db.Traces.AsNoTracking().Where(t => t.QuestionId == trace.QuestionId && t.Id != trace.Id)
            .OrderByDescending(t => t.Id).Take(50)
            .Select(t => new SiblingTrace(t.Id, t.RunId, t.SampleIndex, t.Verdict, t.Status)).ToListAsync(ct);
        return new TraceDetail(trace, question, seedItem, source, run, prompt, siblings);
    }
}
