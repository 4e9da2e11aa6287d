using System.Security.Claims;
using DeepFinance.Core.Curation;
using DeepFinance.Core.Ingest;
using DeepFinance.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace DeepFinance.Web.Api;

public sealed record BenchmarkCreated(long Id, int ItemCount);

/// <summary>Which questions to compare with the set: the whole pool, or one seed source's or one run's questions.</summary>
public sealed record DecontaminateRequest(long? SeedSourceId = null, long? RunId = null);

public sealed record HitsPage(int Total, int Page, int PageSize, IReadOnlyList<ContaminationHitRow> Items);

/// <summary>Benchmark sets (protected evaluation sets), decontamination of the pool against them, and the hits. Operator and Admin.</summary>
public static class BenchmarksApi
{
    public static RouteGroupBuilder MapBenchmarksApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/benchmarks").WithTags("Benchmarks").RequireAuthorization(Policies.Operate);
        var limits = ((IEndpointRouteBuilder)api).ServiceProvider.GetRequiredService<Microsoft.Extensions.Options.IOptions<InputLimits>>().Value;
        group.MapPost("/", ImportAsync).DisableAntiforgery().WithMetadata(new RequestSizeLimitAttribute(limits.MaxImportBytes))
            .WithSummary("Import a benchmark set (multipart: name, then file; JSONL or CSV); all or nothing, errors by line. Returns {id, itemCount}.");
        group.MapGet("/", ListAsync).WithSummary("Benchmark sets, newest first, with their hit counts.");
        group.MapPost("/{id:long}/decontaminate", DecontaminateAsync)
            .WithSummary("Compare the pool (or a seed source's or run's questions) with the set and store the hits; idempotent.");
        group.MapGet("/{id:long}/hits", HitsAsync)
            .WithSummary("The set's hits, paged (page from 1, pageSize up to 500), sorted (score, scoreAsc, question, item, newest), filtered by q and method.");
        return api;
    }

    /// <summary>Streams the file part into the importer, as the seed import does (read by hand, so anonymous callers get 401 before any 415).</summary>
    private static async Task<Results<Created<BenchmarkCreated>, ProblemHttpResult>> ImportAsync(
        HttpRequest request, BenchmarkImporter importer, ClaimsPrincipal user, Microsoft.Extensions.Options.IOptions<InputLimits> limitOptions,
        CancellationToken ct)
    {
        var (result, refusal) = await MultipartImport.ReadAsync(request, limitOptions.Value, user,
            (body, fileName, name, by) => importer.ImportAsync(body, fileName, name, by, ct), ct);
        if (refusal is not null)
        {
            return Refused([new ImportError(0, refusal.Field, refusal.Message)], refusal.Status);
        }
        return result!.Succeeded
            ? TypedResults.Created($"/api/v1/benchmarks/{result.SetId}", new BenchmarkCreated(result.SetId!.Value, result.ItemCount))
            : Refused(result.Errors);
    }

    private static ProblemHttpResult Refused(IReadOnlyList<ImportError> errors, int status = StatusCodes.Status400BadRequest) =>
        TypedResults.Problem(
            detail: $"The benchmark file was refused and nothing was imported: {errors.Count} problem(s), first: {errors[0]}.",
            statusCode: status, title: "Import refused",
            extensions: new Dictionary<string, object?>
            {
                ["errors"] = errors.Select(e => new { line = e.Line, field = e.Field, message = e.Message }).ToList(),
            });

    private static async Task<Ok<List<BenchmarkSetRow>>> ListAsync(BenchmarkQueries queries, CancellationToken ct) =>
        TypedResults.Ok(await queries.ListSetsAsync(ct));

    private static async Task<Results<Ok<DecontaminationResult>, NotFound>> DecontaminateAsync(long id, DecontaminateRequest? body,
        Decontaminator decontaminator, CancellationToken ct)
    {
        try
        {
            return TypedResults.Ok(await decontaminator.RunAsync(new DecontaminationScope(id, body?.SeedSourceId, body?.RunId), ct: ct));
        }
        catch (KeyNotFoundException)
        {
            return TypedResults.NotFound();
        }
    }

    private static async Task<Results<Ok<HitsPage>, ProblemHttpResult>> HitsAsync(long id, BenchmarkQueries queries, CancellationToken ct,
        int page = 1, int pageSize = 50, string? sort = null, string? q = null, string? method = null)
    {
        HitSort? order = sort?.ToLowerInvariant() switch
        {
            null or "" or "score" => HitSort.ScoreDescending,
            "scoreasc" => HitSort.ScoreAscending,
            "question" => HitSort.Question,
            "item" => HitSort.Item,
            "newest" => HitSort.Newest,
            _ => null,
        };
        if (order is null)
        {
            return TypedResults.Problem(detail: $"sort must be one of score, scoreAsc, question, item, newest, not \"{sort}\"",
                statusCode: StatusCodes.Status400BadRequest, title: "Bad request",
                extensions: new Dictionary<string, object?> { ["errors"] = new[] { new { field = "sort", message = "unknown sort" } } });
        }
        pageSize = Math.Clamp(pageSize, 1, 500);
        var (total, rows) = await queries.HitsAsync(id, page, pageSize, order.Value, q, method, ct);
        return TypedResults.Ok(new HitsPage(total, Math.Max(1, page), pageSize, rows));
    }
}
