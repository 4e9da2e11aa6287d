using System.Text.Json;
using DeepFinance.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ReviewEntity = DeepFinance.Core.Data.Review;

namespace DeepFinance.Core.Review;

/// <summary>Reads for the workbench: the queue (one query for API and page), one item with its rounds and history, reviewer statistics and agreement.</summary>
public sealed class ReviewQueries(IDbContextFactory<DeepFinanceDbContext> dbFactory, IOptions<ReviewOptions> options, TimeProvider time)
{
    public const int MaxPageSize = 500;
    public const int PreviewLength = 160;

    /// <summary>A member-initialised pair, which EF can translate through later Where and OrderBy calls (a positional record it cannot).</summary>
    internal sealed class Joined
    {
        public required ReviewEntity Review { get; init; }
        public required Question Question { get; init; }
    }

    /// <summary>The queue's filter in SQL: status, run, the question's task type and difficulty, rounds, leak flag.</summary>
    internal static IQueryable<Joined> Filtered(DeepFinanceDbContext db, ReviewQueueFilter f)
    {
        var q = from r in db.Reviews.AsNoTracking()
                join qu in db.Questions.AsNoTracking() on r.QuestionId equals qu.Id
                select new Joined { Review = r, Question = qu };
        if (f.Status is { } status)
        {
            q = q.Where(x => x.Review.Status == status);
        }
        if (f.RunId is { } run)
        {
            q = q.Where(x => x.Review.RunId == run);
        }
        if (f.TaskType is { } type)
        {
            q = q.Where(x => x.Question.TaskType == type);
        }
        if (f.Difficulty is { } difficulty)
        {
            q = q.Where(x => x.Question.Difficulty == difficulty);
        }
        if (f.Rounds is { } rounds)
        {
            q = q.Where(x => x.Review.Rounds == rounds);
        }
        if (f.LeakFlag is { } leak)
        {
            q = q.Where(x => x.Review.LeakFlag == leak);
        }
        return q;
    }

    public async Task<(int Total, IReadOnlyList<ReviewRow> Items)> QueryAsync(ReviewQueueFilter filter, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var size = Math.Clamp(filter.PageSize, 1, MaxPageSize);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var q = Filtered(db, filter);
        var total = await q.CountAsync(ct);
        q = (filter.SortBy?.ToLowerInvariant(), filter.Descending) switch
        {
            ("id" or null or "", false) => q.OrderBy(x => x.Review.Id),
            ("id" or null or "", true) => q.OrderByDescending(x => x.Review.Id),
            ("rounds", false) => q.OrderBy(x => x.Review.Rounds).ThenBy(x => x.Review.Id),
            ("rounds", true) => q.OrderByDescending(x => x.Review.Rounds).ThenByDescending(x => x.Review.Id),
            ("created", false) => q.OrderBy(x => x.Review.CreatedAt).ThenBy(x => x.Review.Id),
            ("created", true) => q.OrderByDescending(x => x.Review.CreatedAt).ThenByDescending(x => x.Review.Id),
            _ => throw new ArgumentException($"sortBy '{filter.SortBy}' is not one of id, rounds, created."),
        };
        var items = await q.Skip(Paging.Offset(filter.Page, size)).Take(size)
            .Select(x => new ReviewRow(x.Review.Id, x.Review.RunId, x.Review.QuestionId, x.Review.OriginalTraceId, x.Review.RewriteTraceId,
                x.Review.Rounds, x.Review.LeakFlag, x.Review.Status, x.Review.Version, x.Review.RequiredReviews,
                db.ReviewDecisions.Count(d => d.ReviewId == x.Review.Id), x.Review.ReservedBy, x.Review.ReservedUntil,
                x.Question.Text.Length > PreviewLength ? x.Question.Text.Substring(0, PreviewLength) : x.Question.Text,
                x.Question.TaskType, x.Question.Difficulty, x.Review.CreatedAt))
            .ToListAsync(ct);
        return (total, items);
    }

    /// <summary>One item with everything the review screen shows; null when there is no such review.</summary>
    public async Task<ReviewDetail?> GetAsync(long reviewId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var review = await db.Reviews.AsNoTracking().FirstOrDefaultAsync(r => r.Id == reviewId, ct);
        if (review is null)
        {
            return null;
        }
        var question = await db.Questions.AsNoTracking().FirstAsync(q => q.Id == review.QuestionId, ct);
        var original = await db.Traces.AsNoTracking().FirstAsync(t => t.Id == review.OriginalTraceId, ct);
        var rewrite = await db.Traces.AsNoTracking().FirstAsync(t => t.Id == review.RewriteTraceId, ct);
        // Walk the chain back from the rewrite to the original through parentTraceId: every round in between.
        var chain = new List<CotTrace> { rewrite };
        var seen = new HashSet<long> { rewrite.Id, original.Id };
        for (var parent = rewrite.ParentTraceId; parent is { } id && seen.Add(id) && chain.Count < 100;)
        {
            var trace = await db.Traces.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, ct);
            if (trace is null)
            {
                break;
            }
            chain.Add(trace);
            parent = trace.ParentTraceId;
        }
        var rounds = chain.OrderBy(t => t.Round).ThenBy(t => t.Id).Select(t => new ReviewRound(t, LeakHitsOf(t.LeakHits))).ToList();
        var decisions = await db.ReviewDecisions.AsNoTracking().Where(d => d.ReviewId == reviewId).OrderBy(d => d.At).ThenBy(d => d.Id).ToListAsync(ct);
        var subject = ReviewWorkbench.Subject(reviewId);
        var history = (await db.AuditEntries.AsNoTracking().Where(a => a.Subject == subject).OrderBy(a => a.Id).ToListAsync(ct))
            .Select(a => new ReviewHistoryEntry(a.At, a.Actor, a.Action, a.After)).ToList();
        var hits = rounds.SelectMany(r => r.LeakHits).Distinct(StringComparer.Ordinal).ToList();
        var required = Math.Max(review.RequiredReviews, DoubleReviewRule.Picked(review.Id, options.Value.DoubleReviewShare) ? 2 : 1);
        return new ReviewDetail(review, question, original, rounds, rewrite, decisions, history,
            TextDiff.Compute(original.Reasoning, rewrite.Reasoning), hits, required);
    }

    /// <summary>The leak screen's hits as stored on a trace (a JSON array of strings); anything else reads as no hits.</summary>
    public static IReadOnlyList<string> LeakHitsOf(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return [];
        }
        try
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.ValueKind == JsonValueKind.Array
                ? doc.RootElement.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText())
                    .Where(s => s.Length > 0).ToList()
                : [];
        }
        catch (JsonException)
        {
            return [json];
        }
    }

    /// <summary>Per reviewer: decisions today (UTC), all decisions, share that accepted (accept or fix), median time from reservation to decision.</summary>
    public async Task<IReadOnlyList<ReviewerStats>> ReviewerStatsAsync(CancellationToken ct = default)
    {
        var today = new DateTimeOffset(time.GetUtcNow().UtcDateTime.Date, TimeSpan.Zero);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var decisions = await db.ReviewDecisions.AsNoTracking().Select(d => new { d.Reviewer, d.Decision, d.ElapsedMs, d.At }).ToListAsync(ct);
        return decisions.GroupBy(d => d.Reviewer, StringComparer.OrdinalIgnoreCase).Select(g =>
        {
            // Decisions made without a reservation have no start time; they do not count towards the median.
            var timed = g.Where(d => d.ElapsedMs > 0).Select(d => d.ElapsedMs).Order().ToList();
            int? median = timed.Count == 0 ? null : timed.Count % 2 == 1 ? timed[timed.Count / 2] : (timed[timed.Count / 2 - 1] + timed[timed.Count / 2]) / 2;
            var accepted = g.Count(d => d.Decision is ReviewDecisionKind.Accept or ReviewDecisionKind.Fix);
            return new ReviewerStats(g.Key, g.Count(d => d.At >= today), g.Count(), accepted / (double)g.Count(), median);
        }).OrderBy(s => s.Reviewer, StringComparer.OrdinalIgnoreCase).ToList();
    }

    /// <summary>Cohen's kappa between the first two reviewers of every double-reviewed item, on accepted (accept or fix) against not.</summary>
    public async Task<ReviewAgreement> AgreementAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var doubled = db.ReviewDecisions.GroupBy(d => d.ReviewId).Where(g => g.Count() >= 2).Select(g => g.Key);
        var decisions = await db.ReviewDecisions.AsNoTracking().Where(d => doubled.Contains(d.ReviewId))
            .OrderBy(d => d.At).ThenBy(d => d.Id).Select(d => new { d.ReviewId, d.Reviewer, d.Decision }).ToListAsync(ct);
        var pairs = decisions.GroupBy(d => d.ReviewId)
            .Select(g => g.DistinctBy(d => d.Reviewer).Take(2).Select(d => d.Decision is ReviewDecisionKind.Accept or ReviewDecisionKind.Fix).ToList())
            .Where(p => p.Count == 2).Select(p => (First: p[0], Second: p[1])).ToList();
        return Agreement(pairs);
    }

    /// <summary>κ = (observed − expected) / (1 − expected), expected from each rater's own accept rate.</summary>
    public static ReviewAgreement Agreement(IReadOnlyList<(bool First, bool Second)> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        if (pairs.Count == 0)
        {
            return new ReviewAgreement(0, 0, null);
        }
        var n = (double)pairs.Count;
        var agreed = pairs.Count(p => p.First == p.Second);
        var observed = agreed / n;
        var firstYes = pairs.Count(p => p.First) / n;
        var secondYes = pairs.Count(p => p.Second) / n;
        var expected = firstYes * secondYes + (1 - firstYes) * (1 - secondYes);
        // Both raters always gave the same single answer: agreement by chance is certain and kappa is undefined.
        double? kappa = expected >= 1 ? null : (observed - expected) / (1 - expected);
        return new ReviewAgreement(pairs.Count, agreed, kappa);
    }
}
