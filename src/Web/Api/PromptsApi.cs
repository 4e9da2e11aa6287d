using System.Security.Claims;
using DeepFinance.Core.Prompts;
using DeepFinance.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DeepFinance.Web.Api;

/// <param name="Purpose">What the template is for; null when it has no preview registered.</param>
/// <param name="ItemKind">What a preview renders it on (question, trace), or null when it has no preview.</param>
public sealed record PromptSummaryDto(string Name, int LatestVersion, int Versions, DateTimeOffset UpdatedAt, string? UpdatedBy, string? Purpose,
    string? ItemKind);

public sealed record PromptVersionDto(long Id, string Name, int Version, string Sha256, DateTimeOffset CreatedAt, string? CreatedBy, string? Body);

public sealed record NewPromptVersion(string? Body);

/// <param name="Body">An unsaved body to render instead of a stored version.</param>
/// <param name="Version">A stored version; the latest when neither this nor a body is given.</param>
public sealed record PromptPreviewRequest(long? ItemId, string? Body = null, int? Version = null);

/// <summary>Prompt templates (Operators and Admins): versions, new versions (audited), and a preview on a chosen item.</summary>
public static class PromptsApi
{
    public static RouteGroupBuilder MapPromptsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/prompts").WithTags("Prompts").RequireAuthorization(Policies.Operate);
        group.MapGet("/", ListAsync).WithSummary("Every template with its latest version, how many versions it has and what it is for.");
        group.MapGet("/{name}/versions", VersionsAsync).WithSummary("A template's versions, newest first, with who saved each and when.");
        group.MapGet("/{name}/versions/{version:int}", VersionAsync).WithSummary("One version with its body.");
        group.MapPost("/{name}/versions", SaveAsync)
            .WithSummary("Save {body} as the next version (never edits one in place). 400 names the problem, with line and column for Liquid that does not parse.");
        group.MapPost("/{name}/preview", PreviewAsync)
            .WithSummary("Render {body?} or {version?} (latest otherwise) on {itemId}: the exact messages a run would send for that item.");
        group.MapGet("/{name}/items", ItemsAsync).WithSummary("Items a template can be previewed on, by id or text (?search=), newest first.");
        return api;
    }

    private static async Task<Ok<List<PromptSummaryDto>>> ListAsync(PromptLibrary library, PromptPreviews previews, CancellationToken ct) =>
        TypedResults.Ok((await library.ListAsync(ct)).Select(p =>
        {
            var source = previews.SourceFor(p.Name);
            return new PromptSummaryDto(p.Name, p.LatestVersion, p.Versions, p.UpdatedAt, p.UpdatedBy, source?.Purpose, source?.ItemKind);
        }).ToList());

    private static async Task<Results<Ok<List<PromptVersionDto>>, NotFound>> VersionsAsync(string name, PromptLibrary library, CancellationToken ct)
    {
        var rows = await library.ListVersionsAsync(name, ct);
        return rows.Count == 0
            ? TypedResults.NotFound()
            : TypedResults.Ok(rows.Select(r => new PromptVersionDto(r.Id, r.Name, r.Version, r.Sha256, r.CreatedAt, r.CreatedBy, null)).ToList());
    }

    private static async Task<Results<Ok<PromptVersionDto>, NotFound>> VersionAsync(string name, int version, PromptLibrary library, CancellationToken ct)
    {
        var row = (await library.ListVersionsAsync(name, ct)).FirstOrDefault(r => r.Version == version);
        return row is null ? TypedResults.NotFound() : TypedResults.Ok(new PromptVersionDto(row.Id, row.Name, row.Version, row.Sha256, row.CreatedAt, row.CreatedBy, row.Body));
    }

    private static async Task<Results<Created<PromptVersionDto>, ProblemHttpResult>> SaveAsync(string name, NewPromptVersion request,
        PromptLibrary library, ClaimsPrincipal user, CancellationToken ct)
    {
        try
        {
            var saved = await library.SaveVersionAsync(name, request.Body ?? "", user.Identity?.Name, ct);
            var row = (await library.ListVersionsAsync(name, ct)).First(r => r.Id == saved.Id);
            return TypedResults.Created($"/api/v1/prompts/{Uri.EscapeDataString(name)}/versions/{saved.Version}",
                new PromptVersionDto(row.Id, row.Name, row.Version, row.Sha256, row.CreatedAt, row.CreatedBy, row.Body));
        }
        catch (KeyNotFoundException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status404NotFound, title: "No such prompt");
        }
        catch (PromptValidationException e)
        {
            return Invalid(e);
        }
    }

    private static async Task<Results<Ok<PromptPreviewResult>, ProblemHttpResult>> PreviewAsync(string name, PromptPreviewRequest request,
        PromptPreviews previews, CancellationToken ct)
    {
        if (request.ItemId is not { } itemId)
        {
            return TypedResults.Problem("itemId: name the question or trace to render the template on.", statusCode: StatusCodes.Status400BadRequest,
                title: "Invalid preview", extensions: Errors("itemId", "required", null, null));
        }
        if (previews.SourceFor(name) is null)
        {
            return TypedResults.Problem($"Prompt '{name}' has no preview registered.", statusCode: StatusCodes.Status404NotFound, title: "No preview");
        }
        try
        {
            return TypedResults.Ok(await previews.PreviewAsync(name, itemId, request.Body, request.Version, ct));
        }
        catch (PromptValidationException e)
        {
            return Invalid(e);
        }
        catch (Exception e) when (e is KeyNotFoundException or PromptItemNotFoundException)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status404NotFound, title: "Not found");
        }
    }

    private static async Task<Results<Ok<IReadOnlyList<PromptItem>>, NotFound>> ItemsAsync(string name, PromptPreviews previews, CancellationToken ct,
        string? search = null) =>
        previews.SourceFor(name) is { } source ? TypedResults.Ok(await source.SearchAsync(search, 20, ct)) : TypedResults.NotFound();

    private static ProblemHttpResult Invalid(PromptValidationException e) => TypedResults.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest,
        title: "Invalid prompt", extensions: Errors("body", e.Message, e.Line, e.Column));

    private static Dictionary<string, object?> Errors(string field, string message, int? line, int? column) =>
        new() { ["errors"] = new[] { new { field, message, line, column } } };
}
