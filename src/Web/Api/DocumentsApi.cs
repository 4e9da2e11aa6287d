using System.Globalization;
using System.Security.Claims;
using DeepFinance.Core.Extraction;
using DeepFinance.Core.Ingest;
using DeepFinance.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace DeepFinance.Web.Api;

public sealed record DocumentSetCreated(long Id, string Name, int Passages, IReadOnlyList<ImportedDocument> Documents);

public sealed record PagedList<T>(int Total, int Page, int PageSize, IReadOnlyList<T> Items);

/// <summary>
/// Raw documents for the <c>extract</c> run kind: an upload of one or more files (<c>files</c> parts, plain text,
/// Markdown or HTML) becomes a named document set chunked into passages, all or nothing; documents and their passages
/// are listed a page at a time. Operators and Admins only, like seed sources.
/// </summary>
public static class DocumentsApi
{
    public static RouteGroupBuilder MapDocumentsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/documents").WithTags("Documents").RequireAuthorization(Policies.Operate);
        var limits = ((IEndpointRouteBuilder)api).ServiceProvider.GetRequiredService<Microsoft.Extensions.Options.IOptions<InputLimits>>().Value;
        group.MapPost("/", ImportAsync).DisableAntiforgery().WithMetadata(new RequestSizeLimitAttribute(limits.MaxImportBytes))
            .WithSummary("Import documents (multipart: name, optional maxPassageChars and overlapChars, one or more 'files' parts) as a document set.");
        group.MapGet("/", ListAsync).WithSummary("Documents, newest first, paged; optional setId and search.");
        group.MapGet("/{id:long}/passages", PassagesAsync).WithSummary("A document's passages in order, paged.");
        return api;
    }

    private static async Task<Results<Created<DocumentSetCreated>, ProblemHttpResult>> ImportAsync(HttpRequest request, DocumentImporter importer,
        ClaimsPrincipal user, Microsoft.Extensions.Options.IOptions<InputLimits> limitOptions, CancellationToken ct)
    {
        var limits = limitOptions.Value;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(type.Boundary).Value is not { Length: > 0 } boundary)
        {
            return Problem("files", "send multipart/form-data with a 'name' field and one or more 'files' parts");
        }
        var reader = new MultipartReader(boundary, request.Body);
        string? name = null;
        int max = ChunkingOptions.DefaultMaxChars, overlap = ChunkingOptions.DefaultOverlapChars;
        var files = new List<DocumentUpload>();
        while (await reader.ReadNextSectionAsync(ct) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition))
            {
                continue;
            }
            var field = HeaderUtilities.RemoveQuotes(disposition.Name).Value;
            if (disposition.IsFileDisposition())
            {
                if (files.Count >= DocumentImporter.MaxFiles)
                {
                    return Problem("files", $"At most {DocumentImporter.MaxFiles} files in one upload.");
                }
                var fileName = HeaderUtilities.RemoveQuotes(disposition.FileName).Value ?? "";
                // Held in memory up to the per-file limit: the import reads every file before it writes anything.
                var buffer = new MemoryStream();
                var chunk = new byte[81920];
                int n;
                while ((n = await section.Body.ReadAsync(chunk, ct)) > 0)
                {
                    if (buffer.Length + n > DocumentImporter.MaxFileBytes)
                    {
                        return Problem("files", $"{fileName}: the file is over the {DocumentImporter.MaxFileBytes >> 20} MB limit for one document.",
                            StatusCodes.Status413PayloadTooLarge);
                    }
                    buffer.Write(chunk, 0, n);
                }
                buffer.Position = 0;
                files.Add(new DocumentUpload(fileName, buffer));
                continue;
            }
            var value = await SeedSourcesApi.ReadBoundedAsync(section.Body, limits.MaxNameChars, ct);
            switch (field)
            {
                case "name":
                    if (value is null)
                    {
                        return Problem("name", $"is longer than {limits.MaxNameChars:N0} characters ({InputLimits.SectionName}:{nameof(InputLimits.MaxNameChars)})",
                            StatusCodes.Status413PayloadTooLarge);
                    }
                    name = value.Trim();
                    break;
                case "maxPassageChars" or "overlapChars":
                    if (!int.TryParse(value?.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var number))
                    {
                        return Problem(field, $"'{value}' is not a whole number.");
                    }
                    if (field == "maxPassageChars")
                    {
                        max = number;
                    }
                    else
                    {
                        overlap = number;
                    }
                    break;
            }
        }
        try
        {
            var result = await importer.ImportAsync(name ?? "", files, new ChunkingOptions(max, overlap), user.Identity?.Name ?? "", ct);
            return TypedResults.Created($"/api/v1/documents?setId={result.DocumentSetId}",
                new DocumentSetCreated(result.DocumentSetId, result.Name, result.Passages, result.Documents));
        }
        catch (DocumentImportException e)
        {
            return Problem(e.Field, e.Message, extra: e.File is null ? null : new Dictionary<string, object?> { ["file"] = e.File, ["line"] = e.Line });
        }
    }

    private static async Task<Results<Ok<PagedList<DocumentRow>>, ProblemHttpResult>> ListAsync(DocumentQueries queries, long? setId, string? search,
        int? page, int? pageSize, CancellationToken ct)
    {
        if (PagingProblem(page, pageSize) is { } problem)
        {
            return problem;
        }
        var (total, items) = await queries.DocumentsAsync(setId, search, page ?? 1, pageSize ?? 50, ct);
        return TypedResults.Ok(new PagedList<DocumentRow>(total, page ?? 1, pageSize ?? 50, items));
    }

    private static async Task<Results<Ok<PagedList<PassageRow>>, NotFound, ProblemHttpResult>> PassagesAsync(long id, DocumentQueries queries,
        int? page, int? pageSize, CancellationToken ct)
    {
        if (PagingProblem(page, pageSize) is { } problem)
        {
            return problem;
        }
        if (await queries.PassagesAsync(id, page ?? 1, pageSize ?? 50, ct) is not { } found)
        {
            return TypedResults.NotFound();
        }
        return TypedResults.Ok(new PagedList<PassageRow>(found.Total, page ?? 1, pageSize ?? 50, found.Items));
    }

    private static ProblemHttpResult? PagingProblem(int? page, int? pageSize) => pageSize is < 1 or > DocumentQueries.MaxPageSize || page is < 1
        ? TypedResults.Problem(detail: $"page must be at least 1 and pageSize between 1 and {DocumentQueries.MaxPageSize}.",
            statusCode: StatusCodes.Status400BadRequest, title: "Invalid query")
        : null;

    private static ProblemHttpResult Problem(string field, string message, int status = StatusCodes.Status400BadRequest,
        Dictionary<string, object?>? extra = null)
    {
        var error = new Dictionary<string, object?> { ["field"] = field, ["message"] = message };
        foreach (var (k, v) in extra ?? [])
        {
            error[k] = v;
        }
        return TypedResults.Problem(detail: message, statusCode: status, title: "Document import refused",
            extensions: new Dictionary<string, object?> { ["errors"] = new[] { error } });
    }
}
