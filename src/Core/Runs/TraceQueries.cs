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
    int PageSize = 50);

public sealed record TraceRow(
    long Id, long RunId, long QuestionId, int SampleIndex, TraceStatus Status, Verdict? Verdict, string? ExtractedAnswer,
    TaskType? TaskType, string SynthesizerName, string Model, int PromptTokens, int CompletionTokens, int ReasoningTokens,
    int LatencyMs, decimal Cost, bool FromStore, string QuestionPreview, string? FailureReason, DateTimeOffset CreatedAt);

public sealed record Page<T>(int Total, IReadOnlyList<T> Items);

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
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = from t in db.Traces.AsNoTracking()
                   join question in db.Questions on t.QuestionId equals question.Id
                   select new { t, question };
        if (q.RunId is { } runId)
        {
            rows = rows.Where(x => x.t.RunId == runId);
        }
        if (q.Verdict is { } verdict)
        {
            rows = rows.Where(x => x.t.Verdict == verdict);
        }
        if (q.Status is { } status)
        {
            rows = rows.Where(x => x.t.Status == status);
        }
        if (q.TaskType is { } taskType)
        {
            rows = rows.Where(x => x.question.TaskType == taskType);
        }
        if (!string.IsNullOrWhiteSpace(q.Synthesizer))
        {
            rows = rows.Where(x => x.t.SynthesizerName == q.Synthesizer);
        }
        if (!string.IsNullOrWhiteSpace(q.Search))
        {
            var term = q.Search.Trim();
            rows = rows.Where(x => x.question.Text.Contains(term) || (x.t.ExtractedAnswer != null && x.t.ExtractedAnswer.Contains(term)));
        }
        var total = await rows.CountAsync(ct);
        rows = (q.SortBy.ToLowerInvariant(), q.Descending) switch
        {
            ("latency" or "latencyms", false) => rows.OrderBy(x => x.t.LatencyMs).ThenBy(x => x.t.Id),
            ("latency" or "latencyms", true) => rows.OrderByDescending(x => x.t.LatencyMs).ThenByDescending(x => x.t.Id),
            ("tokens" or "completiontokens", false) => rows.OrderBy(x => x.t.CompletionTokens).ThenBy(x => x.t.Id),
            ("tokens" or "completiontokens", true) => rows.OrderByDescending(x => x.t.CompletionTokens).ThenByDescending(x => x.t.Id),
            ("cost", false) => rows.OrderBy(x => x.t.CostMicros).ThenBy(x => x.t.Id),
            ("cost", true) => rows.OrderByDescending(x => x.t.CostMicros).ThenByDescending(x => x.t.Id),
            ("verdict", false) => rows.OrderBy(x => x.t.Verdict).ThenBy(x => x.t.Id),
            ("verdict", true) => rows.OrderByDescending(x => x.t.Verdict).ThenByDescending(x => x.t.Id),
            ("question" or "questionid", false) => rows.OrderBy(x => x.t.QuestionId).ThenBy(x => x.t.SampleIndex),
            ("question" or "questionid", true) => rows.OrderByDescending(x => x.t.QuestionId).ThenByDescending(x => x.t.SampleIndex),
            (_, true) => rows.OrderByDescending(x => x.t.Id),
            _ => rows.OrderBy(x => x.t.Id),
        };
        var size = Math.Clamp(q.PageSize, 1, MaxPageSize);
        var page = await rows.Skip((Math.Max(1, q.Page) - 1) * size).Take(size)
            .Select(x => new
            {
                x.t.Id, x.t.RunId, x.t.QuestionId, x.t.SampleIndex, x.t.Status, x.t.Verdict, x.t.ExtractedAnswer, x.question.TaskType,
                x.t.SynthesizerName, x.t.Model, x.t.PromptTokens, x.t.CompletionTokens, x.t.ReasoningTokens, x.t.LatencyMs,
                x.t.CostMicros, x.t.FromStore, Preview = x.question.Text.Substring(0, 160), x.t.FailureReason, x.t.CreatedAt,
            })
            .ToListAsync(ct);
        return new Page<TraceRow>(total, page.Select(x => new TraceRow(x.Id, x.RunId, x.QuestionId, x.SampleIndex, x.Status, x.Verdict,
            x.ExtractedAnswer, x.TaskType, x.SynthesizerName, x.Model, x.PromptTokens, x.CompletionTokens, x.ReasoningTokens, x.LatencyMs,
            x.CostMicros / 1_000_000m, x.FromStore, x.Preview, x.FailureReason, x.CreatedAt)).ToList());
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
