using System.Text.Json;
using DeepFinance.Core.Audit;
using DeepFinance.Core.Data;
using DeepFinance.Core.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ReviewEntity = DeepFinance.Core.Data.Review;

namespace DeepFinance.Core.Review;

/// <summary>
/// What a reviewer does to an item: reserve, release, take the next one, decide. Every change is one guarded UPDATE
/// (reservation: nobody else holds it; decision: the version the reviewer saw), so two reviewers never both win.
/// </summary>
public sealed class ReviewWorkbench(
    IDbContextFactory<DeepFinanceDbContext> dbFactory,
    IOptions<ReviewOptions> options,
    AuditLog audit,
    RunService runs,
    TimeProvider time)
{
    public const int MaxTextLength = 200_000;
    public const int MaxReasonLength = 2000;
    public const int MaxCommentLength = 4000;

    private ReviewOptions Options => options.Value;

    public IReadOnlyList<string> RejectReasons => Options.Reasons;

    /// <summary>How many distinct reviewers an item needs: the row's own count, or two for the configured share (by id, so stable).</summary>
    public int RequiredReviews(long reviewId, int stored) => Math.Max(stored, DoubleReviewRule.Picked(reviewId, Options.DoubleReviewShare) ? 2 : 1);

    public async Task<ReservationResult> ReserveAsync(long reviewId, string user, CancellationToken ct = default)
    {
        user = Who(user);
        var now = time.GetUtcNow();
        var until = now.AddMinutes(Options.ReservationMinutes);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var review = await db.Reviews.AsNoTracking().FirstOrDefaultAsync(r => r.Id == reviewId, ct)
            ?? throw new KeyNotFoundException($"No review #{reviewId}.");
        if (await db.ReviewDecisions.AnyAsync(d => d.ReviewId == reviewId && d.Reviewer == user, ct))
        {
            throw AlreadyReviewed(review, user);
        }
        var taken = await db.Reviews
            .Where(r => r.Id == reviewId && r.Status == ReviewStatus.Pending
                && (r.ReservedBy == null || r.ReservedBy == user || r.ReservedUntil < now))
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.ReservedBy, user).SetProperty(r => r.ReservedUntil, until), ct);
        if (taken == 0)
        {
            var current = await db.Reviews.AsNoTracking().FirstAsync(r => r.Id == reviewId, ct);
            throw current.Status != ReviewStatus.Pending ? NotPending(current, await LastDecisionAsync(db, reviewId, ct)) : HeldByOther(current);
        }
        await audit.WriteAsync(user, "review.reserved", Subject(reviewId), after: new { until }, ct: CancellationToken.None);
        return new ReservationResult(reviewId, user, until, review.Version);
    }

    /// <summary>Gives an item back before its reservation runs out; only its holder can.</summary>
    public async Task<bool> ReleaseAsync(long reviewId, string user, CancellationToken ct = default)
    {
        user = Who(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var released = await db.Reviews.Where(r => r.Id == reviewId && r.ReservedBy == user)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.ReservedBy, (string?)null).SetProperty(r => r.ReservedUntil, (DateTimeOffset?)null), ct);
        if (released > 0)
        {
            await audit.WriteAsync(user, "review.released", Subject(reviewId), ct: CancellationToken.None);
        }
        return released > 0;
    }

    /// <summary>
    /// Reserves the next pending item matching <paramref name="filter"/> that nobody else holds and this reviewer has not
    /// decided yet, after (or, <paramref name="backwards"/>, before) <paramref name="fromId"/>; null when there is none.
    /// </summary>
    public async Task<ReservationResult?> NextAsync(ReviewQueueFilter filter, string user, long? fromId = null, bool backwards = false, CancellationToken ct = default)
    {
        user = Who(user);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var now = time.GetUtcNow();
            List<long> candidates;
            await using (var db = await dbFactory.CreateDbContextAsync(ct))
            {
                var q = ReviewQueries.Filtered(db, filter with { Status = ReviewStatus.Pending })
                    .Select(x => x.Review)
                    .Where(r => r.ReservedBy == null || r.ReservedBy == user || r.ReservedUntil < now)
                    .Where(r => !db.ReviewDecisions.Any(d => d.ReviewId == r.Id && d.Reviewer == user));
                if (fromId is { } from)
                {
                    q = backwards ? q.Where(r => r.Id < from) : q.Where(r => r.Id > from);
                }
                q = backwards ? q.OrderByDescending(r => r.Id) : q.OrderBy(r => r.Id);
                candidates = await q.Select(r => r.Id).Take(20).ToListAsync(ct);
            }
            if (candidates.Count == 0)
            {
                return null;
            }
            foreach (var id in candidates)
            {
                try
                {
                    return await ReserveAsync(id, user, ct);
                }
                catch (ReviewConflictException)
                {
                    // Someone took it between the query and the reservation: try the next one.
                }
            }
        }
        return null;
    }

    public async Task<ReviewOutcome> DecideAsync(long reviewId, string user, ReviewDecisionRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        user = Who(user);
        var now = time.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var review = await db.Reviews.AsNoTracking().FirstOrDefaultAsync(r => r.Id == reviewId, ct)
            ?? throw new KeyNotFoundException($"No review #{reviewId}.");
        var prior = await db.ReviewDecisions.AsNoTracking().Where(d => d.ReviewId == reviewId).OrderBy(d => d.At).ThenBy(d => d.Id).ToListAsync(ct);
        // Conflicts first: a reviewer who lost the race should hear that, not a complaint about a field.
        if (review.Version != request.Version)
        {
            throw Stale(review, prior.LastOrDefault(), request.Version);
        }
        if (review.Status != ReviewStatus.Pending)
        {
            throw NotPending(review, prior.LastOrDefault());
        }
        if (review.ReservedBy is { } holder && holder != user && review.ReservedUntil > now)
        {
            throw HeldByOther(review);
        }
        if (prior.Any(d => d.Reviewer == user))
        {
            throw AlreadyReviewed(review, user);
        }
        var rewrite = await db.Traces.AsNoTracking().FirstOrDefaultAsync(t => t.Id == review.RewriteTraceId, ct)
            ?? throw new InvalidOperationException($"Review #{reviewId} points at rewrite trace #{review.RewriteTraceId}, which does not exist.");
        var decision = Validate(review, rewrite, request, user, now);

        var required = RequiredReviews(review.Id, review.RequiredReviews);
        var first = prior.FirstOrDefault();
        var settled = prior.Count + 1 >= required;
        // Double review: agreement settles on the decision both made (the second's edit, if a fix); on disagreement the
        // first decision stands, and the disagreement shows in the history and in kappa.
        var disagreement = settled && first is not null && first.Decision != decision.Decision;
        var standing = disagreement ? first!.Decision : decision.Decision;
        var status = !settled ? ReviewStatus.Pending : standing switch
        {
            ReviewDecisionKind.Accept or ReviewDecisionKind.Fix => ReviewStatus.Accepted,
            ReviewDecisionKind.Reject => ReviewStatus.Rejected,
            ReviewDecisionKind.SendBack => ReviewStatus.SentBack,
            _ => ReviewStatus.Disputed,
        };
        var finalReasoning = review.FinalReasoning;
        var finalAnswer = review.FinalAnswer;
        var leakOverride = review.LeakOverrideReason;
        if (!disagreement && decision.Decision == ReviewDecisionKind.Fix)
        {
            finalReasoning = request.Text!.Trim();
            finalAnswer = string.IsNullOrWhiteSpace(request.Answer) ? null : request.Answer.Trim();
        }
        if (!disagreement && decision.Decision is ReviewDecisionKind.Accept or ReviewDecisionKind.Fix && review.LeakFlag)
        {
            leakOverride = request.Reason!.Trim();
        }
        var version = review.Version + 1;
        var decidedAt = settled ? now : (DateTimeOffset?)null;
        var updated = await db.Reviews
            .Where(r => r.Id == reviewId && r.Version == request.Version && r.Status == ReviewStatus.Pending
                && (r.ReservedBy == null || r.ReservedBy == user || r.ReservedUntil < now))
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Version, r => r.Version + 1)
                .SetProperty(r => r.Status, status)
                .SetProperty(r => r.RequiredReviews, required)
                .SetProperty(r => r.FinalReasoning, finalReasoning)
                .SetProperty(r => r.FinalAnswer, finalAnswer)
                .SetProperty(r => r.LeakOverrideReason, leakOverride)
                .SetProperty(r => r.DecidedAt, decidedAt)
                .SetProperty(r => r.ReservedBy, (string?)null)
                .SetProperty(r => r.ReservedUntil, (DateTimeOffset?)null), ct);
        if (updated == 0)
        {
            await tx.RollbackAsync(CancellationToken.None);
            var current = await db.Reviews.AsNoTracking().FirstAsync(r => r.Id == reviewId, ct);
            var last = await LastDecisionAsync(db, reviewId, ct);
            throw current.Version != request.Version ? Stale(current, last, request.Version)
                : current.Status != ReviewStatus.Pending ? NotPending(current, last) : HeldByOther(current);
        }
        decision.ElapsedMs = review.ReservedBy == user && review.ReservedUntil is { } until
            ? (int)Math.Clamp((now - (until - TimeSpan.FromMinutes(Options.ReservationMinutes))).TotalMilliseconds, 0, int.MaxValue)
            : 0;
        db.ReviewDecisions.Add(decision);
        if (settled && standing == ReviewDecisionKind.Dispute)
        {
            await db.Questions.Where(q => q.Id == review.QuestionId && q.ReferenceDisputedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(q => q.ReferenceDisputedAt, now), ct);
        }
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(CancellationToken.None);

        await audit.WriteAsync(user, "review.decided", Subject(reviewId), before: new { version = review.Version, status = review.Status.ToString() },
            after: new
            {
                decision = decision.Decision.ToString(), reason = decision.ReasonCode, comment = decision.Comment, edited = decision.EditDiff is not null,
                leakOverride = decision.Decision is ReviewDecisionKind.Accept or ReviewDecisionKind.Fix && review.LeakFlag ? request.Reason : null,
                version, status = status.ToString(), settled, disagreement,
            }, ct: CancellationToken.None);
        if (settled && standing == ReviewDecisionKind.Dispute)
        {
            await audit.WriteAsync(user, "question.reference-disputed", $"question:{review.QuestionId}", after: new { review = reviewId }, ct: CancellationToken.None);
        }
        long? launched = null;
        string? refusal = null;
        if (settled && standing == ReviewDecisionKind.SendBack)
        {
            (launched, refusal) = await SendBackAsync(db, review, user, ct);
        }
        return new ReviewOutcome(reviewId, status, version, settled, launched, refusal, disagreement);
    }

    /// <summary>Another self-correction round on the rewrite, launched as an scr run on the synthesizer that wrote it.</summary>
    private async Task<(long? RunId, string? Refusal)> SendBackAsync(DeepFinanceDbContext db, ReviewEntity review, string user, CancellationToken ct)
    {
        var synthesizer = await db.Runs.Where(r => r.Id == review.RunId).Select(r => r.SynthesizerName).FirstOrDefaultAsync(ct) ?? "";
        var spec = JsonSerializer.SerializeToElement(new { traceIds = new[] { review.RewriteTraceId }, maxRounds = 1 });
        try
        {
            var runId = await runs.LaunchAsync(new RunLaunch("scr", synthesizer, spec, $"Sent back from review #{review.Id}"), user, ct);
            return (runId, null);
        }
        catch (Exception e) when (e is RunValidationException or InvalidOperationException)
        {
            // The decision stands; the item waits as sent back and says why no round was started.
            var refusal = $"Another self-correction round could not be launched: {e.Message}";
            await audit.WriteAsync(user, "review.send-back-refused", Subject(review.Id), after: new { reason = e.Message }, ct: CancellationToken.None);
            return (null, refusal);
        }
    }

    /// <summary>The rules a decision's fields must meet, each refusal naming the field.</summary>
    private ReviewDecision Validate(ReviewEntity review, CotTrace rewrite, ReviewDecisionRequest request, string user, DateTimeOffset now)
    {
        var reason = request.Reason?.Trim();
        var text = request.Text?.Trim();
        if (reason is { Length: > MaxReasonLength })
        {
            throw new ReviewValidationException("reason", $"reason may be at most {MaxReasonLength} characters.");
        }
        if (text is { Length: > MaxTextLength })
        {
            throw new ReviewValidationException("text", $"text may be at most {MaxTextLength:N0} characters.");
        }
        var decision = new ReviewDecision { ReviewId = review.Id, Reviewer = user, Decision = request.Kind, At = now };
        switch (request.Kind)
        {
            case ReviewDecisionKind.Accept or ReviewDecisionKind.Fix when review.LeakFlag && string.IsNullOrEmpty(reason):
                throw new ReviewValidationException("reason",
                    "The leak screen flagged this rewrite: accepting it needs a reason for overriding the flag.");
            case ReviewDecisionKind.Accept:
                decision.Comment = review.LeakFlag ? Clip(reason) : Clip(text);
                break;
            case ReviewDecisionKind.Fix:
                if (string.IsNullOrEmpty(text))
                {
                    throw new ReviewValidationException("text", "Fix & accept needs the edited reasoning in text.");
                }
                var answer = string.IsNullOrWhiteSpace(request.Answer) ? null : request.Answer.Trim();
                var diff = TextDiff.LineDiff(rewrite.Reasoning, text);
                if (answer is not null && answer != rewrite.Answer?.Trim())
                {
                    diff += "answer:\n" + TextDiff.LineDiff(rewrite.Answer, answer);
                }
                if (diff.Length == 0)
                {
                    throw new ReviewValidationException("text", "The edited reasoning is the same as the rewrite; use accept instead.");
                }
                decision.EditDiff = diff;
                decision.Comment = review.LeakFlag ? Clip(reason) : null;
                break;
            case ReviewDecisionKind.Reject:
                var code = Options.Reasons.FirstOrDefault(r => r.Equals(reason, StringComparison.OrdinalIgnoreCase));
                if (code is null)
                {
                    throw new ReviewValidationException("reason", $"A reject needs a reason, one of: {string.Join(", ", Options.Reasons)}.");
                }
                if (string.IsNullOrEmpty(text))
                {
                    throw new ReviewValidationException("text", "A reject needs a comment in text saying what is wrong.");
                }
                decision.ReasonCode = code;
                decision.Comment = Clip(text);
                break;
            default:
                decision.Comment = Clip(text);
                break;
        }
        return decision;
    }

    private static string? Clip(string? s) => string.IsNullOrEmpty(s) ? null : s.Length <= MaxCommentLength ? s : s[..MaxCommentLength];

    private static string Who(string user) =>
        string.IsNullOrWhiteSpace(user) ? throw new ArgumentException("A review action needs the reviewer's name.", nameof(user)) : user.Trim();

    internal static string Subject(long reviewId) => $"review:{reviewId}";

    private static Task<ReviewDecision?> LastDecisionAsync(DeepFinanceDbContext db, long reviewId, CancellationToken ct) =>
        db.ReviewDecisions.AsNoTracking().Where(d => d.ReviewId == reviewId).OrderByDescending(d => d.At).ThenByDescending(d => d.Id).FirstOrDefaultAsync(ct);

    private static ReviewConflictException Stale(ReviewEntity current, ReviewDecision? last, int seen) =>
        new(ReviewConflictKind.Stale, last is null
            ? $"Review #{current.Id} changed after you opened it (version {seen}, now {current.Version}); reload it."
            : $"Review #{current.Id} changed after you opened it: {last.Reviewer} decided {Name(last.Decision)} at {last.At:yyyy-MM-dd HH:mm:ss} UTC "
              + $"(you saw version {seen}, it is now {current.Version}). Your decision was not saved; reload to see theirs.")
        {
            CurrentVersion = current.Version, CurrentStatus = current.Status, By = last?.Reviewer, At = last?.At, Decision = last?.Decision,
            ReasonCode = last?.ReasonCode, Comment = last?.Comment,
        };

    private static ReviewConflictException NotPending(ReviewEntity current, ReviewDecision? last) =>
        new(ReviewConflictKind.Decided, $"Review #{current.Id} is already {current.Status.ToString().ToLowerInvariant()}"
            + (last is null ? "." : $": {last.Reviewer} decided {Name(last.Decision)} at {last.At:yyyy-MM-dd HH:mm:ss} UTC."))
        {
            CurrentVersion = current.Version, CurrentStatus = current.Status, By = last?.Reviewer, At = last?.At, Decision = last?.Decision,
            ReasonCode = last?.ReasonCode, Comment = last?.Comment,
        };

    private static ReviewConflictException HeldByOther(ReviewEntity current) =>
        new(ReviewConflictKind.Reserved, $"Review #{current.Id} is reserved by {current.ReservedBy} until {current.ReservedUntil:yyyy-MM-dd HH:mm:ss} UTC.")
        {
            CurrentVersion = current.Version, CurrentStatus = current.Status, By = current.ReservedBy, Until = current.ReservedUntil,
        };

    private static ReviewConflictException AlreadyReviewed(ReviewEntity current, string user) =>
        new(ReviewConflictKind.AlreadyReviewed, $"You ({user}) already decided on review #{current.Id}; its second review needs a different reviewer.")
        {
            CurrentVersion = current.Version, CurrentStatus = current.Status, By = user,
        };

    /// <summary>Decision names as the API spells them. (Not called TryParse: minimal APIs would take the service for a bindable value.)</summary>
    public static string Name(ReviewDecisionKind kind) => kind switch
    {
        ReviewDecisionKind.Accept => "accept",
        ReviewDecisionKind.Fix => "fix",
        ReviewDecisionKind.Reject => "reject",
        ReviewDecisionKind.SendBack => "sendBack",
        _ => "dispute",
    };

    public static bool TryParseDecision(string? name, out ReviewDecisionKind kind)
    {
        kind = default;
        switch (name?.Trim().ToLowerInvariant())
        {
            case "accept": kind = ReviewDecisionKind.Accept; return true;
            case "fix": kind = ReviewDecisionKind.Fix; return true;
            case "reject": kind = ReviewDecisionKind.Reject; return true;
            case "sendback" or "send-back" or "send_back": kind = ReviewDecisionKind.SendBack; return true;
            case "dispute": kind = ReviewDecisionKind.Dispute; return true;
            default: return false;
        }
    }
}

/// <summary>Which items need a second reviewer: a stable pick by id, so a restart or another node picks the same ones.</summary>
public static class DoubleReviewRule
{
    public static bool Picked(long reviewId, double share)
    {
        if (share <= 0)
        {
            return false;
        }
        if (share >= 1)
        {
            return true;
        }
        // Fibonacci hashing spreads consecutive ids evenly over [0, 1).
        var spread = unchecked((ulong)reviewId * 0x9E3779B97F4A7C15UL) >> 11;
        return spread / (double)(1UL << 53) < share;
    }
}
