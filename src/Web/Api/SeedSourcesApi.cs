using System.Security.Claims;
using DeepFinance.Core.Data;
using DeepFinance.Core.Ingest;
using DeepFinance.Core.Ingest.Corpora;
using DeepFinance.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Web.Api;

/// <param name="IgnoredColumns">Columns (CSV) or fields (JSONL) that were not imported, acknowledged by <c>ignoreUnknownColumns</c>.</param>
public sealed record SeedSourceCreated(long Id, int ItemCount, IReadOnlyList<string> IgnoredColumns);

public sealed record SeedSourceDto(long Id, string Name, string FileName, string Format, int ItemCount, DateTimeOffset ImportedAt, string? ImportedBy);

public static class SeedSourcesApi
{
    public static RouteGroupBuilder MapSeedSourcesApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/seed-sources").WithTags("Seed sources").RequireAuthorization(Policies.Operate);
        var limits = ((IEndpointRouteBuilder)api).ServiceProvider.GetRequiredService<Microsoft.Extensions.Options.IOptions<InputLimits>>().Value;
        group.MapPost("/", ImportAsync).DisableAntiforgery().WithMetadata(new RequestSizeLimitAttribute(limits.MaxImportBytes))
            .WithSummary("Import a seed corpus (multipart: file, name); all or nothing, errors by line.")
            .WithDescription("A column or field the importer does not read refuses the import unless ignoreUnknownColumns=true "
                + "is sent, in the query or as a form field before the file part.");
        group.MapGet("/", ListAsync).WithSummary("Seed sources, newest first.");
        group.MapPost("/preview", PreviewAsync).DisableAntiforgery().WithMetadata(new RequestSizeLimitAttribute(limits.MaxImportBytes))
            .WithSummary("Preview a corpus file under a field mapping: columns, suggested mapping, first 20 rows mapped, problems; writes nothing.")
            .WithDescription("Multipart: optional 'mapping' (JSON, docs/corpora.md) or 'mappingName' (a saved mapping), sent before the 'file' part.");
        var mappings = api.MapGroup("/seed-mappings").WithTags("Seed sources").RequireAuthorization(Policies.Operate);
        mappings.MapGet("/", ListMappingsAsync).WithSummary("Saved field mappings, by name.");
        mappings.MapPost("/", SaveMappingAsync).WithSummary("Save a field mapping under a new name: {name, mapping}.");
        return api;
    }

    /// <summary>
    /// Streams the multipart body straight into the importer, so a 1 GB file is never buffered whole.
    /// Read by hand rather than bound as IFormFile: a bound form adds a content-type constraint that
    /// would answer 415 to an anonymous caller before authorization has said 401.
    /// Streaming means the import happens when the file part arrives, so <c>ignoreUnknownColumns</c> counts only in the
    /// query or in a form field before the file.
    /// </summary>
    private static async Task<Results<Created<SeedSourceCreated>, ProblemHttpResult>> ImportAsync(
        HttpRequest request, SeedImporter importer, CorpusPreview preview, IDbContextFactory<DeepFinanceDbContext> dbFactory, ClaimsPrincipal user,
        Microsoft.Extensions.Options.IOptions<InputLimits> limitOptions, CancellationToken ct)
    {
        var limits = limitOptions.Value;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(type.Boundary).Value is not { Length: > 0 } boundary)
        {
            return ImportProblem([new ImportError(0, "file", "send multipart/form-data with a 'file' part and a 'name' field")]);
        }
        if (!TryParseFlag(request.Query[IgnoreField].LastOrDefault(), out var ignoreUnknown))
        {
            return FlagProblem(request.Query[IgnoreField].LastOrDefault());
        }
        var reader = new MultipartReader(boundary, request.Body);
        string? name = null;
        ImportResult? result = null;
        var flagAfterFile = false;
        var mapping = new MappingFields();
        var mappingAfterFile = false;
        while (await reader.ReadNextSectionAsync(ct) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition))
            {
                continue;
            }
            var field = HeaderUtilities.RemoveQuotes(disposition.Name).Value;
            if (disposition.IsFileDisposition() && field == "file" && result is null)
            {
                var fileName = HeaderUtilities.RemoveQuotes(disposition.FileName).Value ?? "upload.jsonl";
                var sourceName = string.IsNullOrWhiteSpace(name) ? Path.GetFileNameWithoutExtension(fileName) : name;
                if (await mapping.ResolveAsync(preview, ct) is { } mappingError)
                {
                    return ImportProblem([mappingError]);
                }
                // A mapping, or a format only a mapping reads (JSON array, Parquet), goes the mapped way; plain JSONL and CSV as before.
                result = mapping.Mapping is not null || CorpusRows.Detect(fileName) is CorpusRows.JsonArray or CorpusRows.Parquet
                    ? await importer.ImportMappedAsync(section.Body, fileName, sourceName, user.Identity?.Name, mapping.Mapping, ct)
                    : await importer.ImportAsync(section.Body, fileName, sourceName, user.Identity?.Name, ignoreUnknown, ct);
            }
            else if (await mapping.TryReadAsync(field, section.Body, ct) is { } read)
            {
                if (read.Error is not null)
                {
                    return ImportProblem([read.Error]);
                }
                // Streamed: the file was read before this field arrived, without it.
                mappingAfterFile |= result is not null;
            }
            else if (field == IgnoreField)
            {
                var value = await ReadBoundedAsync(section.Body, 16, ct);
                if (value is null || !TryParseFlag(value, out var flag))
                {
                    return FlagProblem(value);
                }
                flagAfterFile |= result is not null && flag;
                ignoreUnknown |= result is null && flag;
            }
            else if (field == "name")
            {
                // Read no more than a name may hold: a 200 MB name is refused, never buffered or stored.
                name = (await ReadBoundedAsync(section.Body, limits.MaxNameChars, ct))?.Trim();
                if (name is null)
                {
                    return ImportProblem([new ImportError(0, "name", $"is longer than {limits.MaxNameChars:N0} characters "
                        + $"({InputLimits.SectionName}:{nameof(InputLimits.MaxNameChars)})")], [], StatusCodes.Status413PayloadTooLarge);
                }
                if (result is { Succeeded: true } && name.Length > 0)
                {
                    // The name came after the file; rename what was just imported.
                    await using var db = await dbFactory.CreateDbContextAsync(ct);
                    await db.SeedSources.Where(s => s.Id == result.SourceId).ExecuteUpdateAsync(u => u.SetProperty(s => s.Name, name), ct);
                }
            }
        }
        if (result is null)
        {
            return ImportProblem([new ImportError(0, "file", "no file was uploaded (multipart field 'file')")]);
        }
        if (result.Succeeded)
        {
            return TypedResults.Created($"/api/v1/seed-sources/{result.SourceId}",
                new SeedSourceCreated(result.SourceId!.Value, result.ItemCount, result.UnknownColumns.Select(c => c.Display).ToList()));
        }
        var errors = result.Errors;
        if (mappingAfterFile)
        {
            errors = [.. errors, new ImportError(0, "mapping", "arrived after the file part, when the import had already run without it; send mapping or mappingName before the file")];
        }
        if (flagAfterFile && result.RefusedForUnknownColumns)
        {
            errors = [.. errors, new ImportError(0, IgnoreField, "arrived after the file part, when the import had already run; "
                + "send it before the file, or in the query (?ignoreUnknownColumns=true)")];
        }
        return ImportProblem(errors, result.RefusedForUnknownColumns ? result.UnknownColumns : []);
    }

    private const string IgnoreField = "ignoreUnknownColumns";

    /// <summary>Absent is false; HTML forms send "on" for a ticked checkbox.</summary>
    private static bool TryParseFlag(string? text, out bool value)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case null or "" or "false" or "0" or "off":
                value = false;
                return true;
            case "true" or "1" or "on":
                value = true;
                return true;
            default:
                value = false;
                return false;
        }
    }

    /// <summary>A small form field as text, or null when it holds more than <paramref name="maxChars"/> characters.</summary>
    internal static async Task<string?> ReadBoundedAsync(Stream body, int maxChars, CancellationToken ct)
    {
        using var text = new StreamReader(body);
        var buffer = new char[maxChars + 1];
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await text.ReadAsync(buffer.AsMemory(read), ct);
            if (n == 0)
            {
                return new string(buffer, 0, read);
            }
            read += n;
        }
        return null;
    }

    private static ProblemHttpResult FlagProblem(string? text) =>
        ImportProblem([new ImportError(0, IgnoreField, $"must be true or false, not \"{text}\"")], []);

    private static ProblemHttpResult ImportProblem(IReadOnlyList<ImportError> errors, IReadOnlyList<UnknownColumn>? unknown = null,
        int status = StatusCodes.Status400BadRequest, string title = "Import refused")
    {
        var detail = title == "Import refused"
            ? $"The file was refused and nothing was imported: {errors.Count} problem(s), first: {errors[0]}."
            : $"{errors.Count} problem(s), first: {errors[0]}.";
        unknown ??= [];
        if (unknown.Count > 0)
        {
            detail += $" Columns the importer does not read: {string.Join(", ", unknown.Select(c => c.Display))}; "
                + "send ignoreUnknownColumns=true to import without them.";
        }
        return TypedResults.Problem(
            detail: detail,
            statusCode: status,
            title: title,
            extensions: new Dictionary<string, object?>
            {
                ["errors"] = errors.Select(e => new { line = e.Line, unit = e.Unit, field = e.Field, message = e.Message }).ToList(),
                ["unknownColumns"] = unknown.Select(c => new { name = c.Name, display = c.Display, line = c.Line, column = c.Column }).ToList(),
            });
    }

    private static async Task<Ok<List<SeedSourceDto>>> ListAsync(SeedSourceQueries sources, CancellationToken ct)
    {
        var rows = await sources.ListAsync(ct: ct);
        return TypedResults.Ok(rows.Select(s => new SeedSourceDto(s.Id, s.Name, s.FileName, s.Format, s.ItemCount, s.ImportedAt, s.ImportedBy)).ToList());
    }

    /// <summary>
    /// The preview: the same multipart body as the import (a 'mapping' or 'mappingName' field before the 'file' part),
    /// answered with the fields seen, the suggested mapping, the first rows mapped and their problems. Nothing is written.
    /// </summary>
    private static async Task<Results<Ok<SeedPreviewDto>, ProblemHttpResult>> PreviewAsync(HttpRequest request, CorpusPreview preview, CancellationToken ct)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(type.Boundary).Value is not { Length: > 0 } boundary)
        {
            return ImportProblem([new ImportError(0, "file", "send multipart/form-data with a 'file' part (and 'mapping' or 'mappingName' before it)")]);
        }
        var reader = new MultipartReader(boundary, request.Body);
        var mapping = new MappingFields();
        while (await reader.ReadNextSectionAsync(ct) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition))
            {
                continue;
            }
            var field = HeaderUtilities.RemoveQuotes(disposition.Name).Value;
            if (disposition.IsFileDisposition() && field == "file")
            {
                if (await mapping.ResolveAsync(preview, ct) is { } mappingError)
                {
                    return ImportProblem([mappingError]);
                }
                var fileName = HeaderUtilities.RemoveQuotes(disposition.FileName).Value ?? "upload.jsonl";
                var result = await preview.PreviewAsync(section.Body, fileName, mapping.Mapping, ct);
                return TypedResults.Ok(new SeedPreviewDto(result.Format, result.Columns, result.SuggestedMapping, result.Mapping,
                    result.Rows, result.Problems.Select(p => new SeedProblemDto(p.Line, p.Unit, p.Field, p.Message)).ToList()));
            }
            if (await mapping.TryReadAsync(field, section.Body, ct) is { Error: { } error })
            {
                return ImportProblem([error]);
            }
        }
        return ImportProblem([new ImportError(0, "file", "no file was uploaded (multipart field 'file')")]);
    }

    private static async Task<Ok<List<SeedMappingDto>>> ListMappingsAsync(CorpusPreview preview, CancellationToken ct) =>
        TypedResults.Ok((await preview.ListMappingsAsync(ct)).Select(ToDto).ToList());

    private static async Task<Results<Created<SeedMappingDto>, ProblemHttpResult>> SaveMappingAsync(SaveSeedMappingRequest body, CorpusPreview preview,
        ClaimsPrincipal user, CancellationToken ct)
    {
        if (body.Mapping is not { ValueKind: System.Text.Json.JsonValueKind.Object } json)
        {
            return ImportProblem([new ImportError(0, "mapping", "send the mapping as a JSON object")], title: "Mapping refused");
        }
        if (SeedMapping.Parse(json.GetRawText(), out var parseError) is not { } mapping)
        {
            return ImportProblem([new ImportError(0, "mapping", parseError!)], title: "Mapping refused");
        }
        var (saved, error) = await preview.SaveMappingAsync(body.Name ?? "", mapping, user.Identity?.Name, ct);
        if (error is not null)
        {
            return ImportProblem([error], status: error.Message.Contains("already exists", StringComparison.Ordinal) ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest,
                title: "Mapping refused");
        }
        return TypedResults.Created($"/api/v1/seed-mappings/{saved!.Id}", ToDto(saved));
    }

    private static SeedMappingDto ToDto(SavedSeedMapping m) =>
        new(m.Id, m.Name, SeedMapping.Parse(m.MappingJson, out _), m.CreatedBy, m.CreatedAt);

    /// <summary>The 'mapping' (JSON) or 'mappingName' (saved) fields of an upload, read before the file and resolved when it arrives.</summary>
    private sealed class MappingFields
    {
        private const int MaxMappingChars = 64 * 1024;
        private string? _name;

        public SeedMapping? Mapping { get; private set; }

        /// <summary>Null when the field is not a mapping field; otherwise what reading it gave.</summary>
        public async Task<(bool Read, ImportError? Error)?> TryReadAsync(string? field, Stream body, CancellationToken ct)
        {
            if (field == "mapping")
            {
                var text = await ReadBoundedAsync(body, MaxMappingChars, ct);
                if (text is null)
                {
                    return (true, new ImportError(0, "mapping", $"is longer than {MaxMappingChars:N0} characters"));
                }
                if (string.IsNullOrWhiteSpace(text))
                {
                    return (true, null);
                }
                Mapping = SeedMapping.Parse(text, out var error);
                return (true, error is null ? null : new ImportError(0, "mapping", error));
            }
            if (field == "mappingName")
            {
                _name = (await ReadBoundedAsync(body, 1000, ct))?.Trim();
                return (true, _name is null ? new ImportError(0, "mappingName", "is too long") : null);
            }
            return null;
        }

        public async Task<ImportError?> ResolveAsync(CorpusPreview preview, CancellationToken ct)
        {
            if (string.IsNullOrEmpty(_name) || Mapping is not null)
            {
                return null;
            }
            Mapping = await preview.FindMappingAsync(_name, ct);
            return Mapping is null ? new ImportError(0, "mappingName", $"no saved mapping is called \"{_name}\"") : null;
        }
    }
}

public sealed record SeedProblemDto(int Line, string Unit, string Field, string Message);

public sealed record SeedPreviewDto(string Format, IReadOnlyList<string> Columns, SeedMapping SuggestedMapping, SeedMapping Mapping,
    IReadOnlyList<PreviewRow> Rows, IReadOnlyList<SeedProblemDto> Problems);

public sealed record SeedMappingDto(long Id, string Name, SeedMapping? Mapping, string? CreatedBy, DateTimeOffset CreatedAt);

public sealed record SaveSeedMappingRequest(string? Name, System.Text.Json.JsonElement? Mapping);
