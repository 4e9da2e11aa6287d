using System.Security.Claims;
using DeepFinance.Core.Data;
using DeepFinance.Core.Review;
using DeepFinance.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DeepFinance.Web.Api;

/// <summary><c>{decision:"accept"|"fix"|"reject"|"sendBack"|"dispute", reason?, text?, answer?, version}</c>.</summary>
public sealed record ReviewDecisionBody(string? Decision, string? Reason = null, string? Text = null, string? Answer = null, int? Version = null);

public sealed record ReviewListItem(long Id, long TraceId, long QuestionId, long OriginalTraceId, long RunId, int Rounds, bool LeakFlag, int Version,
    string Status, int RequiredReviews, int Decisions, string? ReservedBy, DateTimeOffset? ReservedUntil);

public static class ReviewsApi
{
    public static RouteGroupBuilder MapReviewsApi(this RouteGroupBuilder api)
    {
        var reviews = api.MapGroup("/reviews").WithTags("Reviews").RequireAuthorization(Policies.Review);
        reviews.MapGet("/", ListAsync).WithSummary("The review queue, paged: pending, accepted, rejected, disputed or sentBack.");
        reviews.MapPost("/{id:long}/reserve", ReserveAsync).WithSummary("Reserve an item for yourself; 409 while another reviewer holds it.");
        reviews.MapPost("/{id:long}/release", ReleaseAsync).WithSummary("Give back an item you reserved.");
        reviews.MapPost("/{id:long}/decision", DecideAsync).WithSummary("Decide on an item at the version you saw; 409 when it is stale.");
        return api;
    }

    private static async Task<Results<Ok<object>, ProblemHttpResult>> ListAsync(ReviewQueries queries, string? status, int? page, int? pageSize,
        long? run, string? taskType, string? difficulty, int? rounds, bool? leakFlag, CancellationToken ct)
    {
        if (!ApiEnums.TryParse<ReviewStatus>(status, out var statusFilter))
        {
            return Invalid("status", $"status '{status}' is not one of pending, accepted, rejected, disputed, sentBack.");
        }
        if (!ApiEnums.TryParse<TaskType>(taskType, out var typeFilter))
        {
            return Invalid("taskType", $"taskType '{taskType}' is not known.");
        }
        if (!ApiEnums.TryParse<Difficulty>(difficulty, out var difficultyFilter))
        {
            return Invalid("difficulty", $"difficulty '{difficulty}' is not one of simple, medium, hard.");
        }
        var size = Math.Clamp(pageSize ?? 50, 1, ReviewQueries.MaxPageSize);
        // A page below 1 is served as the first page, and the answer says so rather than echoing the request.
        var pageNumber = Math.Max(page ?? 1, 1);
        var (total, items) = await queries.QueryAsync(new ReviewQueueFilter(statusFilter ?? ReviewStatus.Pending, run, typeFilter, difficultyFilter, rounds, leakFlag,
            pageNumber, size), ct);
        return TypedResults.Ok<object>(new
        {
            total, page = pageNumber, pageSize = size,
            items = items.Select(r => new ReviewListItem(r.Id, r.RewriteTraceId, r.QuestionId, r.OriginalTraceId, r.RunId, r.Rounds, r.LeakFlag, r.Version,
                Camel(r.Status), r.RequiredReviews, r.Decisions, r.ReservedBy, r.ReservedUntil)),
        });
    }

    private static async Task<Results<Ok<ReservationResult>, NotFound, ProblemHttpResult>> ReserveAsync(long id, ReviewWorkbench bench, ClaimsPrincipal user, CancellationToken ct)
    {
        try
        {
            return TypedResults.Ok(await bench.ReserveAsync(id, user.Identity!.Name!, ct));
        }
        catch (KeyNotFoundException)
        {
            return TypedResults.NotFound();
        }
        catch (ReviewConflictException e)
        {
            return Conflict(e);
        }
    }

    private static async Task<Results<Ok<object>, NotFound>> ReleaseAsync(long id, ReviewWorkbench bench, ClaimsPrincipal user, CancellationToken ct) =>
        await bench.ReleaseAsync(id, user.Identity!.Name!, ct) ? TypedResults.Ok<object>(new { id, released = true }) : TypedResults.NotFound();

    private static async Task<Results<Ok<object>, NotFound, ProblemHttpResult>> DecideAsync(long id, ReviewDecisionBody? body, ReviewWorkbench bench,
        ClaimsPrincipal user, CancellationToken ct)
    {
        if (body is null || string.IsNullOrWhiteSpace(body.Decision))
        {
            return Invalid("decision", "Say which decision: accept, fix, reject, sendBack or dispute.");
        }
        if (!ReviewWorkbench.TryParseDecision(body.Decision, out var kind))
        {
            return Invalid("decision", $"decision '{body.Decision}' is not one of accept, fix, reject, sendBack, dispute.");
        }
        if (body.Version is not { } version)
        {
            return Invalid("version", "Give the version of the item you decided on (from the queue or the reservation).");
        }
        try
        {
            var outcome = await bench.DecideAsync(id, user.Identity!.Name!, new ReviewDecisionRequest(kind, version, body.Reason, body.Text, body.Answer), ct);
            return TypedResults.Ok<object>(new
            {
                id, status = Camel(outcome.Status), outcome.Version, outcome.Settled, outcome.Disagreement, launchedRunId = outcome.LaunchedRunId,
                launchRefusal = outcome.LaunchRefusal,
            });
        }
        catch (KeyNotFoundException)
        {
            return TypedResults.NotFound();
        }
        catch (ReviewValidationException e)
        {
            return Invalid(e.Field, e.Message);
        }
        catch (ReviewConflictException e)
        {
            return Conflict(e);
        }
    }

    private static string Camel(ReviewStatus status) => status == ReviewStatus.SentBack ? "sentBack" : status.ToString().ToLowerInvariant();

    private static ProblemHttpResult Invalid(string field, string message) => TypedResults.Problem(message, statusCode: 400, title: "Invalid review request",
        extensions: new Dictionary<string, object?> { ["errors"] = new[] { new { field, message } } });

    /// <summary>409 as ProblemDetails: the reason in words, and who, when and the current version for a client to show.</summary>
    private static ProblemHttpResult Conflict(ReviewConflictException e) => TypedResults.Problem(e.Message, statusCode: 409, title: e.Kind switch
    {
        ReviewConflictKind.Stale => "Stale version",
        ReviewConflictKind.Reserved => "Reserved by another reviewer",
        ReviewConflictKind.Decided => "Already decided",
        _ => "Already reviewed by you",
    }, extensions: new Dictionary<string, object?>
    {
        ["conflict"] = e.Kind.ToString().ToLowerInvariant(), ["by"] = e.By, ["at"] = e.At, ["until"] = e.Until, ["currentVersion"] = e.CurrentVersion,
        ["decision"] = e.Decision is { } d ? ReviewWorkbench.Name(d) : null,
        ["reason"] = e.ReasonCode, ["comment"] = e.Comment,
    });
}
