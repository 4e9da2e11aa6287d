using System.ComponentModel.DataAnnotations;
using DeepFinance.Core.Data;
using Microsoft.Extensions.Options;

namespace DeepFinance.Core.Review;

public sealed class ReviewOptions
{
    public const string SectionName = "DeepFinance:Review";

    /// <summary>How long taking an item holds it for one reviewer.</summary>
    [Range(1, 24 * 60)]
    public int ReservationMinutes { get; set; } = 30;

    /// <summary>Share of items (picked by id, so the same items every time) that need a second, different reviewer.</summary>
    [Range(0.0, 1.0)]
    public double DoubleReviewShare { get; set; }

    public static readonly IReadOnlyList<string> DefaultRejectReasons = ["wrong-answer", "flawed-reasoning", "leaks-reference", "unreadable", "off-topic", "other"];

    /// <summary>The reasons a reject must choose from (a comment carries the rest); unset means <see cref="DefaultRejectReasons"/>.</summary>
    /// <remarks>Null by default: the configuration binder appends to a list that starts filled instead of replacing it.</remarks>
    public List<string>? RejectReasons { get; set; }

    public IReadOnlyList<string> Reasons => RejectReasons is { Count: > 0 } r ? r : DefaultRejectReasons;
}

public sealed class ReviewOptionsValidator : IValidateOptions<ReviewOptions>
{
    public ValidateOptionsResult Validate(string? name, ReviewOptions options)
    {
        if (options.Reasons.Any(r => string.IsNullOrWhiteSpace(r) || r.Length > 64))
        {
            return ValidateOptionsResult.Fail($"{ReviewOptions.SectionName}:RejectReasons holds an empty reason or one longer than 64 characters.");
        }
        if (options.Reasons.Distinct(StringComparer.OrdinalIgnoreCase).Count() != options.Reasons.Count)
        {
            return ValidateOptionsResult.Fail($"{ReviewOptions.SectionName}:RejectReasons lists a reason twice.");
        }
        return ValidateOptionsResult.Success;
    }
}

/// <summary>The queue's filter and order, the same for the API and the page. Sort by <c>id</c>, <c>rounds</c> or <c>created</c>.</summary>
public sealed record ReviewQueueFilter(
    ReviewStatus? Status = ReviewStatus.Pending, long? RunId = null, TaskType? TaskType = null, Difficulty? Difficulty = null,
    int? Rounds = null, bool? LeakFlag = null, int Page = 1, int PageSize = 50, string SortBy = "id", bool Descending = false);

public sealed record ReviewRow(
    long Id, long RunId, long QuestionId, long OriginalTraceId, long RewriteTraceId, int Rounds, bool LeakFlag, ReviewStatus Status,
    int Version, int RequiredReviews, int Decisions, string? ReservedBy, DateTimeOffset? ReservedUntil, string QuestionPreview,
    TaskType? TaskType, Difficulty? Difficulty, DateTimeOffset CreatedAt);

/// <summary>One self-correction round as the reviewer reads it: the reflection that led to it and the attempt it produced.</summary>
public sealed record ReviewRound(CotTrace Trace, IReadOnlyList<string> LeakHits);

public sealed record ReviewHistoryEntry(DateTimeOffset At, string Actor, string Action, string? Detail);

public sealed record ReviewDetail(
    Data.Review Review, Question Question, CotTrace Original, IReadOnlyList<ReviewRound> Rounds, CotTrace Rewrite,
    IReadOnlyList<ReviewDecision> Decisions, IReadOnlyList<ReviewHistoryEntry> History, DiffResult Diff,
    IReadOnlyList<string> LeakHits, int EffectiveRequiredReviews);

/// <summary>A reviewer's decision as asked for: the version they saw and what the kind needs.</summary>
/// <param name="Reason">Reject: a code from the configured list. Accept or fix of a leak-flagged item: why the flag is overridden.</param>
/// <param name="Text">Fix: the edited reasoning. Reject, send back, dispute: an optional comment (required for reject).</param>
public sealed record ReviewDecisionRequest(ReviewDecisionKind Kind, int Version, string? Reason = null, string? Text = null,
    string? Answer = null, string? Comment = null);

/// <summary>What a decision did. <paramref name="Settled"/> is false while a double-reviewed item waits for its second reviewer.</summary>
public sealed record ReviewOutcome(long ReviewId, ReviewStatus Status, int Version, bool Settled, long? LaunchedRunId = null,
    string? LaunchRefusal = null, bool Disagreement = false);

public sealed record ReservationResult(long ReviewId, string ReservedBy, DateTimeOffset ReservedUntil, int Version);

/// <summary>A request the rules refuse for its content; <see cref="Field"/> names what to fix.</summary>
public sealed class ReviewValidationException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

public enum ReviewConflictKind { Stale, Reserved, Decided, AlreadyReviewed }

/// <summary>
/// A request refused because someone else got there first: a newer version (with who decided it and when), a
/// reservation another reviewer holds, an item no longer pending, or a second review by the same person.
/// </summary>
public sealed class ReviewConflictException(ReviewConflictKind kind, string message) : Exception(message)
{
    public ReviewConflictKind Kind { get; } = kind;
    public int CurrentVersion { get; init; }
    public ReviewStatus CurrentStatus { get; init; }
    public string? By { get; init; }
    public DateTimeOffset? At { get; init; }
    public DateTimeOffset? Until { get; init; }
    public ReviewDecisionKind? Decision { get; init; }
    /// <summary>Why the standing decision was made: its reason code (a reject's) and comment, when it has them.</summary>
    public string? ReasonCode { get; init; }
    public string? Comment { get; init; }
}

/// <summary>Which path put a trace in a dataset: verified in the first place, or a rewrite a reviewer accepted.</summary>
public enum CandidateKind { Verified, AcceptedRewrite }

/// <summary>A first answer or reviewed rewrite that does not enter a dataset, and why.</summary>
public sealed record LeftOutCandidate(long TraceId, long QuestionId, string ReasonCode, string? Detail);

/// <summary>Why a trace stays out of a dataset by the membership rule; releases record these codes.</summary>
public static class LeftOutReasons
{
    public const string Unverified = "unverified";
    public const string RejectedReview = "rejected-review";
    public const string ReviewUnresolved = "review-unresolved";
    public const string LeakFlagged = "leak-flagged";
    public const string ReferenceDisputed = "reference-disputed";
}

public sealed record DatasetCandidate(CandidateKind Kind, long TraceId, long QuestionId, string? Reasoning, string? Answer,
    long? ReviewId = null, bool Fixed = false, string? FinishReason = null);

public sealed record ReviewerStats(string Reviewer, int ReviewedToday, int Reviewed, double AcceptRate, int? MedianMs);

/// <param name="Kappa">Cohen's kappa on accept (accept or fix) against not; null when nothing or only one class was seen.</param>
public sealed record ReviewAgreement(int Items, int Agreed, double? Kappa);
