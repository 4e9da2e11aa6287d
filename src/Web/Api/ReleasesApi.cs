using System.Security.Claims;
using DeepFinance.Core.Data;
using DeepFinance.Core.Release;
using DeepFinance.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DeepFinance.Web.Api;

/// <summary>What a release takes; lists left empty mean "all". Enum values as in the rest of the API (<c>math</c>, <c>knowledge_qa</c>, <c>hard</c>).</summary>
public sealed record ReleaseSelectionBody(long[]? Runs = null, long[]? SeedSources = null, string[]? TaskTypes = null, string[]? Withheld = null,
    string[]? Difficulties = null, double? MinPassRate = null, bool? Dedup = null, string? Pii = null, bool? Quality = null);

/// <summary><c>{version, title?, notes?, license?, selection?}</c>.</summary>
public sealed record CreateReleaseBody(string? Version, string? Title = null, string? Notes = null, string? License = null, ReleaseSelectionBody? Selection = null);

/// <summary><c>{reason}</c>: why the hit may stay.</summary>
public sealed record WaivePiiBody(string? Reason);

public sealed record ReleaseDto(long Id, string Version, string? Title, ReleaseStatus Status, bool Exportable, int QuestionCount, int TraceCount, int PairCount,
    int ExcludedCount, int OpenPiiHits, string CreatedBy, DateTimeOffset CreatedAt)
{
    public static ReleaseDto From(ReleaseSummary s) => new(s.Id, s.Version, s.Title, s.Status, s.Exportable, s.QuestionCount, s.TraceCount, s.PairCount,
        s.ExcludedCount, s.OpenPiiHits, s.CreatedBy, s.CreatedAt);
}

public static class ReleasesApi
{
    public static RouteGroupBuilder MapReleasesApi(this RouteGroupBuilder api)
    {
        var releases = api.MapGroup("/releases").WithTags("Releases").RequireAuthorization(Policies.Operate);
        releases.MapGet("/", ListAsync).WithSummary("Releases, newest first, paged; filter by status (draft, blocked, ready).");
        releases.MapPost("/", CreateAsync).WithSummary("Cut a release: freeze the candidates the selection takes, scan them for personal data.");
        releases.MapGet("/{id:long}", GetAsync).WithSummary("A release with its selection, statistics, changelog and whether it can be exported.");
        releases.MapGet("/{id:long}/items", ItemsAsync).WithSummary("A release's frozen traces, paged; filter by kind, taskType, difficulty, questionId.");
        releases.MapGet("/{id:long}/exclusions", ExclusionsAsync).WithSummary("Candidates the release left out, paged, with counts by reason; filter by reason.");
        releases.MapGet("/{id:long}/pii-hits", PiiHitsAsync).WithSummary("Personal data found in the release, paged; filter by status (open, fixed, waived).");
        releases.MapPost("/{id:long}/pii-hits/{hitId:long}/fix", FixAsync).WithSummary("Replace the hit in the release's copy of the text with its desensitized form.");
        releases.MapPost("/{id:long}/pii-hits/{hitId:long}/waive", WaiveAsync).WithSummary("Keep the hit, with a reason (audited).");
        return api;
    }

    private static async Task<Results<Ok<object>, ProblemHttpResult>> ListAsync(ReleaseQueries queries, string? status, int? page, int? pageSize, CancellationToken ct)
    {
        if (!ApiEnums.TryParse<ReleaseStatus>(status, out var statusFilter))
        {
            return Invalid("status", $"status '{status}' is not one of draft, blocked, ready.");
        }
        var size = Math.Clamp(pageSize ?? 50, 1, ReleaseQueries.MaxPageSize);
        var (total, items) = await queries.ListAsync(Paging.Page(page), size, statusFilter, ct);
        return TypedResults.Ok<object>(new { total, page = Paging.Page(page), pageSize = size, items = items.Select(ReleaseDto.From) });
    }

    private static async Task<Results<Created<object>, ProblemHttpResult>> CreateAsync(CreateReleaseBody? body, ReleaseBuilder builder, ClaimsPrincipal user,
        CancellationToken ct)
    {
        if (body is null)
        {
            return Invalid("version", "Send {version, title?, notes?, license?, selection?}.");
        }
        try
        {
            var selection = ToSelection(body.Selection);
            var release = await builder.CutAsync(new ReleaseRequest(body.Version ?? "", body.Title, body.Notes, selection, body.License), user.Identity!.Name!, ct);
            return TypedResults.Created($"/api/v1/releases/{release.Id}", (object)new
            {
                release.Id, release.Version, release.Status, exportable = ReleaseRules.CanExport(release), release.QuestionCount, release.TraceCount,
                release.ExcludedCount,
            });
        }
        catch (ReleaseValidationException e)
        {
            return Invalid(e.Field, e.Message);
        }
    }

    private static async Task<Results<Ok<object>, NotFound>> GetAsync(long id, ReleaseQueries queries, CancellationToken ct)
    {
        var detail = await queries.GetAsync(id, ct);
        if (detail is null)
        {
            return TypedResults.NotFound();
        }
        return TypedResults.Ok<object>(new
        {
            release = ReleaseDto.From(detail.Summary), detail.PreviousVersion, detail.License, detail.Changelog, detail.Selection, detail.Stats,
            piiHits = detail.PiiHitsByStatus, exportRefusal = detail.ExportRefusal,
        });
    }

    private static async Task<Results<Ok<object>, NotFound, ProblemHttpResult>> ItemsAsync(long id, ReleaseQueries queries, string? kind, string? taskType,
        string? difficulty, long? questionId, int? page, int? pageSize, CancellationToken ct)
    {
        if (!ApiEnums.TryParse<ReleaseItemKind>(kind, out var kindFilter))
        {
            return Invalid("kind", $"kind '{kind}' is not one of verified, accepted_rewrite.");
        }
        if (!TryTaskType(taskType, out var typeFilter))
        {
            return Invalid("taskType", $"taskType '{taskType}' is not known.");
        }
        if (!ApiEnums.TryParse<Difficulty>(difficulty, out var difficultyFilter))
        {
            return Invalid("difficulty", $"difficulty '{difficulty}' is not one of simple, medium, hard.");
        }
        if (await queries.GetAsync(id, ct) is null)
        {
            return TypedResults.NotFound();
        }
        var size = Math.Clamp(pageSize ?? 50, 1, ReleaseQueries.MaxPageSize);
        var (total, items) = await queries.ItemsAsync(id, new ReleaseItemFilter(kindFilter, typeFilter, difficultyFilter, questionId, Paging.Page(page), size), ct);
        return TypedResults.Ok<object>(new { total, page = Paging.Page(page), pageSize = size, items });
    }

    private static async Task<Results<Ok<object>, NotFound>> ExclusionsAsync(long id, ReleaseQueries queries, string? reason, int? page, int? pageSize,
        CancellationToken ct)
    {
        if (await queries.GetAsync(id, ct) is null)
        {
            return TypedResults.NotFound();
        }
        var size = Math.Clamp(pageSize ?? 50, 1, ReleaseQueries.MaxPageSize);
        var (total, items) = await queries.ExclusionsAsync(id, string.IsNullOrWhiteSpace(reason) ? null : reason.Trim(), Paging.Page(page), size, ct);
        var byReason = await queries.ExclusionCountsAsync(id, ct);
        return TypedResults.Ok<object>(new { total, page = Paging.Page(page), pageSize = size, byReason, items });
    }

    private static async Task<Results<Ok<object>, NotFound, ProblemHttpResult>> PiiHitsAsync(long id, ReleaseQueries queries, string? status, int? page,
        int? pageSize, CancellationToken ct)
    {
        if (!ApiEnums.TryParse<PiiHitStatus>(status, out var statusFilter))
        {
            return Invalid("status", $"status '{status}' is not one of open, fixed, waived.");
        }
        if (await queries.GetAsync(id, ct) is null)
        {
            return TypedResults.NotFound();
        }
        var size = Math.Clamp(pageSize ?? 50, 1, ReleaseQueries.MaxPageSize);
        var (total, items) = await queries.PiiHitsAsync(id, statusFilter, Paging.Page(page), size, ct);
        return TypedResults.Ok<object>(new { total, page = Paging.Page(page), pageSize = size, items });
    }

    private static Task<Results<Ok<PiiResolution>, NotFound, ProblemHttpResult>> FixAsync(long id, long hitId, ReleasePiiReview review, ClaimsPrincipal user,
        CancellationToken ct) => ResolveAsync(() => review.FixAsync(id, hitId, user.Identity!.Name!, ct));

    private static Task<Results<Ok<PiiResolution>, NotFound, ProblemHttpResult>> WaiveAsync(long id, long hitId, WaivePiiBody? body, ReleasePiiReview review,
        ClaimsPrincipal user, CancellationToken ct) => ResolveAsync(() => review.WaiveAsync(id, hitId, body?.Reason, user.Identity!.Name!, ct));

    private static async Task<Results<Ok<PiiResolution>, NotFound, ProblemHttpResult>> ResolveAsync(Func<Task<PiiResolution>> resolve)
    {
        try
        {
            return TypedResults.Ok(await resolve());
        }
        catch (KeyNotFoundException)
        {
            return TypedResults.NotFound();
        }
        catch (ReleaseValidationException e)
        {
            return Invalid(e.Field, e.Message);
        }
        catch (ReleaseConflictException e)
        {
            return TypedResults.Problem(e.Message, statusCode: 409, title: "Release cannot change");
        }
    }

    private static ReleaseSelection ToSelection(ReleaseSelectionBody? body)
    {
        if (body is null)
        {
            return new ReleaseSelection();
        }
        return new ReleaseSelection
        {
            Runs = body.Runs ?? [],
            SeedSources = body.SeedSources ?? [],
            TaskTypes = TaskTypeList(body.TaskTypes, "selection.taskTypes"),
            Withheld = TaskTypeList(body.Withheld, "selection.withheld"),
            Difficulties = (body.Difficulties ?? []).Select((d, i) => ApiEnums.TryParse<Difficulty>(d, out var v) && v is { } value
                ? value
                : throw new ReleaseValidationException($"selection.difficulties[{i}]", $"difficulty '{d}' is not one of simple, medium, hard.")).ToList(),
            MinPassRate = body.MinPassRate,
            Dedup = body.Dedup ?? true,
            Quality = body.Quality ?? true,
            Pii = ApiEnums.TryParse<PiiPolicy>(body.Pii, out var pii)
                ? pii ?? PiiPolicy.Block
                : throw new ReleaseValidationException("selection.pii", $"pii '{body.Pii}' is not one of block, exclude."),
        };
    }

    private static List<TaskType> TaskTypeList(string[]? names, string field) =>
        (names ?? []).Select((n, i) => TryTaskType(n, out var t) && t is { } type
            ? type
            : throw new ReleaseValidationException($"{field}[{i}]", $"task type '{n}' is not known.")).ToList();

    /// <summary>Task types by their API name (<c>knowledge_qa</c>) or the method's own (<c>Knowledge QA</c>).</summary>
    private static bool TryTaskType(string? text, out TaskType? type)
    {
        if (TaskTypes.TryParse(text, out var named))
        {
            type = named;
            return true;
        }
        return ApiEnums.TryParse(text, out type);
    }

    private static ProblemHttpResult Invalid(string field, string message) => TypedResults.Problem(message, statusCode: 400, title: "Invalid release request",
        extensions: new Dictionary<string, object?> { ["errors"] = new[] { new { field, message } } });
}
