using System.IO.Compression;
using System.Security.Claims;
using DeepFinance.Core.Audit;
using DeepFinance.Core.Data;
using DeepFinance.Core.Release;
using DeepFinance.Core.Release.Export;
using DeepFinance.Web.Security;
using Microsoft.Extensions.Options;

namespace DeepFinance.Web.Api;

/// <summary>
/// <c>GET /api/v1/releases/{id}/export?format=chat|flat|parquet|alpaca|sharegpt|dpo|all</c>: a Ready release as one file
/// (a zip of every format with the dataset card for <c>all</c>). A JSON format is written straight into the response as rows
/// are read; Parquet and the zip are written to the data directory first (memory stays flat), then sent, then deleted.
/// </summary>
public static class ReleaseExportApi
{
    public static RouteGroupBuilder MapReleaseExportApi(this RouteGroupBuilder api)
    {
        api.MapGet("/releases/{id:long}/export", ExportAsync).WithTags("Releases").RequireAuthorization(Policies.Operate)
            .WithSummary("Download a Ready release in one format, or every format and the dataset card as a zip (format=all); 409 when not Ready.");
        return api;
    }

    private static async Task<IResult> ExportAsync(long id, string? format, ReleaseExporter exporter, AuditLog audit, IOptions<DataOptions> data,
        ClaimsPrincipal user, CancellationToken ct)
    {
        IReadOnlyList<ExportFormat> formats;
        try
        {
            formats = ExportFormats.Parse(format);
        }
        catch (ReleaseExportException e)
        {
            return Problem(400, "Invalid export request", e.Message, "format");
        }
        var release = await exporter.GetAsync(id, ct);
        if (release is null)
        {
            return TypedResults.NotFound();
        }
        if (ReleaseRules.ExportRefusal(release) is { } reason)
        {
            return Problem(409, "Release not ready", reason, null);
        }

        var name = $"deepfinance-{Safe(release.Version)}";
        if (formats.Count == 1 && ReleaseExporter.Streams(formats[0]))
        {
            // Rows go out as they are read: a 300K release starts downloading at once instead of after a minute of writing.
            var only = formats[0];
            var file = ExportFormats.FileName(only);
            var actor = user.Identity?.Name ?? "";
            return TypedResults.Stream(async body =>
            {
                var rows = await exporter.WriteAsync(release, only, body, ct: ct);
                await audit.WriteAsync(actor, "release.exported", $"release:{id}",
                    after: new { release.Version, format = ExportFormats.Name(only), rows, streamed = true }, ct: CancellationToken.None);
            }, ContentType(file), $"{name}-{file}");
        }

        var work = Path.Combine(data.Value.FullDataDirectory, "exports", $"release-{id}-{Guid.NewGuid():N}");
        try
        {
            var result = await exporter.ExportAsync(release, formats, work, ct: ct);
            string download, contentType, fileName;
            if (formats.Count == 1)
            {
                var file = ExportFormats.FileName(formats[0]);
                download = Path.Combine(work, file);
                fileName = $"{name}-{file}";
                contentType = ContentType(file);
            }
            else
            {
                download = work + ".zip";
                ZipFile.CreateFromDirectory(work, download, CompressionLevel.Fastest, includeBaseDirectory: false);
                fileName = $"{name}.zip";
                contentType = "application/zip";
            }
            // Opened to delete itself when the response is done; the rest of the folder goes now.
            var stream = new FileStream(download, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16,
                FileOptions.Asynchronous | FileOptions.DeleteOnClose);
            Cleanup(work);
            await audit.WriteAsync(user.Identity?.Name ?? "", "release.exported", $"release:{id}",
                after: new { release.Version, format = format!.Trim().ToLowerInvariant(), rows = result.Counts.Rows, pairs = result.Pairs }, ct: ct);
            return TypedResults.File(stream, contentType, fileName);
        }
        catch
        {
            Cleanup(work);
            Cleanup(work + ".zip");
            throw;
        }
    }

    private static string ContentType(string file) => Path.GetExtension(file) switch
    {
        ".jsonl" => "application/x-ndjson",
        ".json" => "application/json",
        _ => "application/vnd.apache.parquet",
    };

    private static void Cleanup(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
            else if (File.Exists(path))
            {
                File.Delete(path);
            }
        }
        catch (IOException)
        {
            // A leftover under data/exports is harmless and named by release; the next export does not read it.
        }
    }

    private static string Safe(string version) => new(version.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_').ToArray());

    private static IResult Problem(int status, string title, string message, string? field) => TypedResults.Problem(message, statusCode: status, title: title,
        extensions: field is null ? null : new Dictionary<string, object?> { ["errors"] = new[] { new { field, message } } });
}
