using System.Security.Claims;
using DeepFinance.Core.Data;
using DeepFinance.Core.Ingest;
using DeepFinance.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Web.Api;

public sealed record SeedSourceCreated(long Id, int ItemCount);

public sealed record SeedSourceDto(long Id, string Name, string FileName, string Format, int ItemCount, DateTimeOffset ImportedAt, string? ImportedBy);

public static class SeedSourcesApi
{
    public static RouteGroupBuilder MapSeedSourcesApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/seed-sources").WithTags("Seed sources").RequireAuthorization(Policies.Operate);
        group.MapPost("/", ImportAsync).DisableAntiforgery().WithMetadata(new RequestSizeLimitAttribute(1L << 30))
            .WithSummary("Import a seed corpus (multipart: file, name); all or nothing, errors by line.");
        group.MapGet("/", ListAsync).WithSummary("Seed sources, newest first.");
        return api;
    }

    private static async Task<Results<Created<SeedSourceCreated>, ProblemHttpResult>> ImportAsync(
        IFormFile? file, [FromForm] string? name, SeedImporter importer, ClaimsPrincipal user, CancellationToken ct)
    {
        if (file is null)
        {
            return ImportProblem([new ImportError(0, "file", "no file was uploaded (multipart field 'file')")]);
        }
        await using var stream = file.OpenReadStream();
        var result = await importer.ImportAsync(stream, file.FileName, string.IsNullOrWhiteSpace(name) ? Path.GetFileNameWithoutExtension(file.FileName) : name,
            user.Identity?.Name, ct);
        return result.Succeeded
            ? TypedResults.Created($"/api/v1/seed-sources/{result.SourceId}", new SeedSourceCreated(result.SourceId!.Value, result.ItemCount))
            : ImportProblem(result.Errors);
    }

    private static ProblemHttpResult ImportProblem(IReadOnlyList<ImportError> errors) => TypedResults.Problem(
        detail: $"The file was refused and nothing was imported: {errors.Count} problem(s), first: {errors[0]}.",
        statusCode: StatusCodes.Status400BadRequest,
        title: "Import refused",
        extensions: new Dictionary<string, object?>
        {
            ["errors"] = errors.Select(e => new { line = e.Line, field = e.Field, message = e.Message }).ToList(),
        });

    private static async Task<Ok<List<SeedSourceDto>>> ListAsync(IDbContextFactory<DeepFinanceDbContext> dbFactory, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.SeedSources.AsNoTracking().OrderByDescending(s => s.Id)
            .Select(s => new SeedSourceDto(s.Id, s.Name, s.FileName, s.Format, s.ItemCount, s.ImportedAt, s.ImportedBy)).ToListAsync(ct);
        return TypedResults.Ok(rows);
    }
}
