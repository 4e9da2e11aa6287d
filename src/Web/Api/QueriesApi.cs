using System.Security.Claims;
using DeepFinance.Core.Annotation;
using DeepFinance.Core.Data;
using DeepFinance.Core.Ingest;
using DeepFinance.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace DeepFinance.Web.Api;

public sealed record QueryListItem(long Id, long ImportId, int LineNumber, string Status, int Version, string Text, string? Channel, string? Product,
    DateOnly? AskedOn, bool RawErased, int Annotations, int Assigned);

/// <summary><c>{version, spans?:[{type,start,end}], text?}</c>: the final spans over the raw text, or a corrected text, or neither to confirm.</summary>
public sealed record CheckBody(int? Version, List<SpanEdit>? Spans = null, string? Text = null);

/// <summary><c>{version, taskType, difficulty, tags, referenceAnswer, usable, unusableReason, notes}</c>.</summary>
public sealed record AnnotationBody(int? Version, string? TaskType = null, string? Difficulty = null, List<string>? Tags = null, string? ReferenceAnswer = null,
    bool? Usable = null, string? UnusableReason = null, string? Notes = null, bool ReferenceFromDraft = false, int ElapsedMs = 0);

public sealed record EraseBody(string? Reason = null);

public sealed record GuidelineBody(string? Markdown);

public sealed record TagBody(string? Name, string? NameZh = null);

/// <summary>
/// Real-world queries. Everything but <c>/raw</c> shows desensitized text only. Raw text and the workbench answer Admins and
/// Experts; adjudication, erasure and the managed lists answer Admins; the agreement figures are a dashboard, open to every role.
/// </summary>
public static class QueriesApi
{
    public static RouteGroupBuilder MapQueriesApi(this RouteGroupBuilder api)
    {
        var limits = ((IEndpointRouteBuilder)api).ServiceProvider.GetRequiredService<Microsoft.Extensions.Options.IOptions<InputLimits>>().Value;
        var queries = api.MapGroup("/queries").WithTags("Real-world queries");
        queries.MapGet("/", ListAsync).RequireAuthorization(Policies.Queries).WithSummary("Queries, paged and filtered by status; desensitized text only.");
        queries.MapGet("/{id:long}", GetAsync).RequireAuthorization(Policies.Queries).WithSummary("One query with its entities and annotations; desensitized text only.");
        queries.MapGet("/{id:long}/raw", RawAsync).RequireAuthorization(Policies.Annotate).WithSummary("The raw text (Admin, Expert); every view is audited.");
        queries.MapPost("/", ImportAsync).RequireAuthorization(Policies.Annotate).DisableAntiforgery().WithMetadata(new RequestSizeLimitAttribute(limits.MaxImportBytes))
            .WithSummary("Import queries (multipart: name, then file; JSONL or CSV); all or nothing, errors by line.");
        queries.MapGet("/queue", QueueAsync).RequireAuthorization(Policies.Annotate).WithSummary("Your own open assignments, paged.");
        queries.MapPost("/{id:long}/check", CheckAsync).RequireAuthorization(Policies.Annotate).WithSummary("Approve (or correct) the desensitization at the version you saw.");
        queries.MapPost("/{id:long}/annotation", AnnotateAsync).RequireAuthorization(Policies.Annotate).WithSummary("Your annotation at the version you saw.");
        queries.MapPost("/{id:long}/adjudication", AdjudicateAsync).RequireAuthorization(Policies.Admin).WithSummary("The final annotation of a query the experts disagreed on.");
        queries.MapPost("/{id:long}/erase", EraseAsync).RequireAuthorization(Policies.Admin).WithSummary("Erase this query's raw text (audited).");
        queries.MapPost("/imports/{id:long}/erase", EraseImportAsync).RequireAuthorization(Policies.Admin).WithSummary("Erase the raw text of every query of an import.");
        queries.MapGet("/agreement", AgreementAsync).RequireAuthorization(Policies.Read).WithSummary("Inter-annotator agreement and the disagreements awaiting adjudication.");
        var annotation = api.MapGroup("/annotation").WithTags("Real-world queries");
        annotation.MapGet("/guideline", async (AnnotationCatalog c, CancellationToken ct) => TypedResults.Ok(await c.ActiveGuidelineAsync(ct)))
            .RequireAuthorization(Policies.Annotate).WithSummary("The guideline in force (Markdown, versioned).");
        annotation.MapPost("/guidelines", PublishAsync).RequireAuthorization(Policies.Admin).WithSummary("Publish a new guideline version.");
        annotation.MapGet("/tags", async (AnnotationCatalog c, bool? retired, CancellationToken ct) => TypedResults.Ok(await c.TagsAsync(retired ?? false, ct)))
            .RequireAuthorization(Policies.Annotate).WithSummary("Capability tags.");
        annotation.MapPost("/tags", AddTagAsync).RequireAuthorization(Policies.Admin).WithSummary("Add a capability tag.");
        return api;
    }

    private static async Task<Results<Ok<object>, ProblemHttpResult>> ListAsync(AnnotationWorkbench bench, ClaimsPrincipal user, string? status, long? import,
        string? search, int? page, int? pageSize, bool? descending, CancellationToken ct)
    {
        RealWorldQueryStatus? filter = null;
        if (!string.IsNullOrWhiteSpace(status))
        {
            if (!RealWorldStates.TryParse(status, out var s))
            {
                return Invalid("status", $"status '{status}' is not one of {string.Join(", ", Enum.GetValues<RealWorldQueryStatus>().Select(RealWorldStates.Name))}.");
            }
            filter = s;
        }
        return await PageAsync(bench, user, new QueryFilter(filter, import, search, false, false, Paging.Page(page), pageSize ?? 25, descending ?? false), ct);
    }

    private static Task<Results<Ok<object>, ProblemHttpResult>> QueueAsync(AnnotationWorkbench bench, ClaimsPrincipal user, bool? done, int? page, int? pageSize,
        CancellationToken ct) => PageAsync(bench, user, new QueryFilter(MineOnly: true, IncludeDone: done ?? false, Page: Paging.Page(page), PageSize: pageSize ?? 25), ct);

    private static async Task<Results<Ok<object>, ProblemHttpResult>> PageAsync(AnnotationWorkbench bench, ClaimsPrincipal user, QueryFilter filter, CancellationToken ct)
    {
        var size = Math.Clamp(filter.PageSize, 1, AnnotationWorkbench.MaxPageSize);
        var (total, items) = await bench.QueryAsync(filter with { PageSize = size }, Actor.Of(user), ct);
        return TypedResults.Ok<object>(new
        {
            total, page = filter.Page, pageSize = size,
            items = items.Select(r => new QueryListItem(r.Id, r.ImportId, r.LineNumber, RealWorldStates.Name(r.Status), r.Version, r.Preview, r.Channel, r.Product,
                r.AskedOn, r.RawErased, r.Annotations, r.Assigned)),
        });
    }

    private static async Task<Results<Ok<object>, NotFound>> GetAsync(long id, AnnotationWorkbench bench, CancellationToken ct)
    {
        var q = await bench.GetAsync(id, ct);
        return q is null ? TypedResults.NotFound() : TypedResults.Ok<object>(new
        {
            q.Id, q.ImportId, q.LineNumber, status = RealWorldStates.Name(q.Status), q.Version, text = q.DesensitizedText,
            entities = q.Entities.Select(e => new { e.Type, e.Level, e.Start, e.End, e.Recognizer }), q.HighestSurvivingLevel, q.Channel, q.Product, q.AskedOn,
            q.RawErased, q.CheckedBy, q.CheckedAt, q.QuestionId, q.AssignedExperts,
            annotations = q.Annotations.Select(a => new
            {
                a.Id, a.Expert, a.IsAdjudication, taskType = a.TaskType?.DisplayName(), difficulty = a.Difficulty?.ToString().ToLowerInvariant(),
                tags = Consensus.Tags(a), a.ReferenceAnswer, a.Usable, a.UnusableReason, a.Notes, a.GuidelineVersion, a.At,
            }),
        });
    }

    private static async Task<Results<Ok<object>, NotFound, ProblemHttpResult>> RawAsync(long id, AnnotationWorkbench bench, ClaimsPrincipal user, CancellationToken ct)
    {
        try
        {
            var raw = await bench.ReadRawAsync(id, Actor.Of(user), ct);
            return TypedResults.Ok<object>(new { id, text = raw, erased = raw is null });
        }
        catch (KeyNotFoundException)
        {
            return TypedResults.NotFound();
        }
        catch (RealWorldForbiddenException e)
        {
            return TypedResults.Problem(e.Message, statusCode: 403, title: "Not allowed for your roles");
        }
    }

    private static async Task<Results<Created<object>, ProblemHttpResult>> ImportAsync(HttpRequest request, RealWorldImporter importer, ClaimsPrincipal user,
        Microsoft.Extensions.Options.IOptions<InputLimits> limitOptions, CancellationToken ct)
    {
        var (result, refusal) = await MultipartImport.ReadAsync(request, limitOptions.Value, user,
            (body, fileName, name, by) => importer.ImportAsync(body, fileName, name, by, ct), ct);
        if (refusal is not null)
        {
            return ImportProblem([new RealWorldImportError(0, refusal.Field, refusal.Message)], refusal.Status);
        }
        return result!.Succeeded
            ? TypedResults.Created($"/api/v1/queries?import={result.ImportId}", (object)new { importId = result.ImportId, queries = result.QueryCount, assignments = result.Assignments })
            : ImportProblem(result.Errors);
    }

    private static ProblemHttpResult ImportProblem(IReadOnlyList<RealWorldImportError> errors, int status = StatusCodes.Status400BadRequest) =>
        TypedResults.Problem(string.Join("; ", errors.Take(5)), statusCode: status, title: "Import refused; nothing was stored",
            extensions: new Dictionary<string, object?> { ["errors"] = errors.Select(e => new { line = e.Line, field = e.Field, message = e.Message }) });

    private static async Task<Results<Ok<StepOutcome>, NotFound, ProblemHttpResult>> CheckAsync(long id, CheckBody? body, AnnotationWorkbench bench, ClaimsPrincipal user,
        CancellationToken ct)
    {
        if (body?.Version is not { } version)
        {
            return Invalid("version", "Give the version of the query you checked.");
        }
        return await Step(() => bench.CheckAsync(id, Actor.Of(user), new CheckRequest(version, body.Spans, body.Text), ct));
    }

    private static async Task<Results<Ok<StepOutcome>, NotFound, ProblemHttpResult>> AnnotateAsync(long id, AnnotationBody? body, AnnotationWorkbench bench,
        ClaimsPrincipal user, CancellationToken ct)
    {
        if (Parse(body, out var request) is { } problem)
        {
            return problem;
        }
        return await Step(() => bench.AnnotateAsync(id, Actor.Of(user), request!, ct));
    }

    private static async Task<Results<Ok<StepOutcome>, NotFound, ProblemHttpResult>> AdjudicateAsync(long id, AnnotationBody? body, AnnotationWorkbench bench,
        ClaimsPrincipal user, CancellationToken ct)
    {
        if (Parse(body, out var request) is { } problem)
        {
            return problem;
        }
        return await Step(() => bench.AdjudicateAsync(id, Actor.Of(user), request!, ct));
    }

    private static ProblemHttpResult? Parse(AnnotationBody? body, out AnnotationRequest? request)
    {
        request = null;
        if (body?.Version is not { } version)
        {
            return Invalid("version", "Give the version of the query you annotated.");
        }
        TaskType? taskType = null;
        if (!string.IsNullOrWhiteSpace(body.TaskType))
        {
            if (!TaskTypes.TryParse(body.TaskType, out var t))
            {
                return Invalid("taskType", $"taskType '{body.TaskType}' is not one of {string.Join(", ", TaskTypes.Names)}.");
            }
            taskType = t;
        }
        if (!ApiEnums.TryParse<Difficulty>(body.Difficulty, out var difficulty))
        {
            return Invalid("difficulty", $"difficulty '{body.Difficulty}' is not one of simple, medium, hard.");
        }
        request = new AnnotationRequest(version, taskType, difficulty, body.Tags, body.ReferenceAnswer, body.Usable ?? true, body.UnusableReason, body.Notes,
            body.ReferenceFromDraft, body.ElapsedMs);
        return null;
    }

    private static async Task<Results<Ok<object>, NotFound, ProblemHttpResult>> EraseAsync(long id, EraseBody? body, RawTextErasure erasure, ClaimsPrincipal user,
        CancellationToken ct)
    {
        try
        {
            return TypedResults.Ok<object>(new { id, erased = await erasure.EraseQueryAsync(id, Actor.Of(user), body?.Reason, ct) });
        }
        catch (KeyNotFoundException)
        {
            return TypedResults.NotFound();
        }
    }

    private static async Task<Results<Ok<object>, NotFound, ProblemHttpResult>> EraseImportAsync(long id, EraseBody? body, RawTextErasure erasure, ClaimsPrincipal user,
        CancellationToken ct)
    {
        try
        {
            return TypedResults.Ok<object>(new { importId = id, erased = await erasure.EraseImportAsync(id, Actor.Of(user), body?.Reason, ct) });
        }
        catch (KeyNotFoundException)
        {
            return TypedResults.NotFound();
        }
    }

    private static async Task<Ok<AgreementReport>> AgreementAsync(AgreementQueries agreement, CancellationToken ct) => TypedResults.Ok(await agreement.ReportAsync(ct));

    private static async Task<Results<Ok<AnnotationGuideline>, ProblemHttpResult>> PublishAsync(GuidelineBody? body, AnnotationCatalog catalog, ClaimsPrincipal user,
        CancellationToken ct)
    {
        try
        {
            return TypedResults.Ok(await catalog.PublishGuidelineAsync(body?.Markdown ?? "", Actor.Of(user), ct));
        }
        catch (RealWorldValidationException e)
        {
            return Invalid(e.Field, e.Message);
        }
    }

    private static async Task<Results<Ok<CapabilityTag>, ProblemHttpResult>> AddTagAsync(TagBody? body, AnnotationCatalog catalog, ClaimsPrincipal user, CancellationToken ct)
    {
        try
        {
            return TypedResults.Ok(await catalog.AddTagAsync(body?.Name ?? "", body?.NameZh, Actor.Of(user), ct));
        }
        catch (RealWorldValidationException e)
        {
            return Invalid(e.Field, e.Message);
        }
    }

    private static async Task<Results<Ok<StepOutcome>, NotFound, ProblemHttpResult>> Step(Func<Task<StepOutcome>> action)
    {
        try
        {
            return TypedResults.Ok(await action());
        }
        catch (KeyNotFoundException)
        {
            return TypedResults.NotFound();
        }
        catch (RealWorldValidationException e)
        {
            return Invalid(e.Field, e.Message);
        }
        catch (RealWorldForbiddenException e)
        {
            return TypedResults.Problem(e.Message, statusCode: 403, title: "Not allowed");
        }
        catch (RealWorldConflictException e)
        {
            return TypedResults.Problem(e.Message, statusCode: 409, title: "Conflict", extensions: new Dictionary<string, object?>
            {
                ["currentStatus"] = RealWorldStates.Name(e.CurrentStatus), ["currentVersion"] = e.CurrentVersion,
            });
        }
    }

    private static ProblemHttpResult Invalid(string field, string message) => TypedResults.Problem(message, statusCode: 400, title: "Invalid request",
        extensions: new Dictionary<string, object?> { ["errors"] = new[] { new { field, message } } });
}
