using System.Security.Claims;
using DeepFinance.Core.Ingest;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace DeepFinance.Web.Api;

/// <summary>Why an upload was refused before its importer could say anything: the field, the message and the status.</summary>
public sealed record UploadRefusal(string Field, string Message, int Status);

/// <summary>
/// The upload every importer shares: a multipart body with an optional <c>name</c> field and a <c>file</c> part that is
/// streamed straight into the importer (read by hand, so anonymous callers get 401 before any 415). A name sent after
/// the file is not used; a name longer than the limit is refused unread.
/// </summary>
public static class MultipartImport
{
    public static async Task<(T? Result, UploadRefusal? Refusal)> ReadAsync<T>(HttpRequest request, InputLimits limits, ClaimsPrincipal user,
        Func<Stream, string, string, string, Task<T>> import, CancellationToken ct) where T : class
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(type.Boundary).Value is not { Length: > 0 } boundary)
        {
            return (null, new UploadRefusal("file", "send multipart/form-data with a 'name' field and a 'file' part", StatusCodes.Status400BadRequest));
        }
        var reader = new MultipartReader(boundary, request.Body);
        string? name = null;
        T? result = null;
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
                result = await import(section.Body, fileName, string.IsNullOrWhiteSpace(name) ? Path.GetFileNameWithoutExtension(fileName) : name,
                    user.Identity?.Name ?? "");
            }
            else if (field == "name" && result is null)
            {
                name = (await SeedSourcesApi.ReadBoundedAsync(section.Body, limits.MaxNameChars, ct))?.Trim();
                if (name is null)
                {
                    return (null, new UploadRefusal("name", $"is longer than {limits.MaxNameChars:N0} characters "
                        + $"({InputLimits.SectionName}:{nameof(InputLimits.MaxNameChars)})", StatusCodes.Status413PayloadTooLarge));
                }
            }
        }
        return result is null
            ? (null, new UploadRefusal("file", "no file was uploaded (multipart field 'file')", StatusCodes.Status400BadRequest))
            : (result, null);
    }
}
