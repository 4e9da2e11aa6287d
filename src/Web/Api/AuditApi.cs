using System.Globalization;
using System.Text;
using System.Text.Json;
using DeepFinance.Core.Audit;
using DeepFinance.Core.Data;
using DeepFinance.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DeepFinance.Web.Api;

public sealed record AuditEntryDto(long Id, DateTimeOffset At, string Actor, string Action, string Subject, JsonElement? Before, JsonElement? After);

public sealed record AuditListDto(int Total, IReadOnlyList<AuditEntryDto> Items);

/// <summary>
/// The audit log for Admins, newest first. Filters: <c>actor</c> and <c>subject</c> (contains), <c>action</c> (prefix,
/// so <c>user.</c> matches every user change), <c>from</c> (inclusive) and <c>to</c> (exclusive) as ISO 8601 times.
/// </summary>
public static class AuditApi
{
    public static RouteGroupBuilder MapAuditApi(this RouteGroupBuilder api)
    {
        var audit = api.MapGroup("").WithTags("Audit").RequireAuthorization(Policies.Admin);
        audit.MapGet("/audit", ListAsync).WithSummary("Audit entries, newest first, paged: {total, items}.");
        audit.MapGet("/audit.csv", Csv)
            .WithSummary("Every matching audit entry as CSV (at,actor,action,subject,before,after), streamed.");
        return api;
    }

    private static async Task<Ok<AuditListDto>> ListAsync(AuditLog log, string? actor, string? action, string? subject,
        DateTimeOffset? from, DateTimeOffset? to, int? page, int? pageSize, CancellationToken ct)
    {
        var (total, items) = await log.QueryAsync(new AuditFilter(actor, action, subject, from, to, Paging.Page(page), Math.Clamp(pageSize ?? 50, 1, 1000)), ct);
        return TypedResults.Ok(new AuditListDto(total, items.Select(e =>
            new AuditEntryDto(e.Id, e.At, e.Actor, e.Action, e.Subject, Json(e.Before), Json(e.After))).ToList()));
    }

    private static PushStreamHttpResult Csv(AuditLog log, string? actor, string? action, string? subject,
        DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct)
    {
        var filter = new AuditFilter(actor, action, subject, from, to);
        return TypedResults.Stream(async body =>
        {
            await using var writer = new StreamWriter(body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 16 * 1024);
            await writer.WriteAsync("at,actor,action,subject,before,after\r\n");
            var lines = 0;
            await foreach (var e in log.StreamAsync(filter, ct))
            {
                await writer.WriteAsync(AuditCsv.Line(e));
                if (++lines % 500 == 0)
                {
                    await writer.FlushAsync(ct);
                }
            }
        }, "text/csv; charset=utf-8", "audit.csv");
    }

    private static JsonElement? Json(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }
        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return JsonSerializer.SerializeToElement(text);
        }
    }
}

/// <summary>
/// RFC 4180 CSV: a field with a comma, quote, CR or LF is quoted, and quotes inside are doubled; lines end in CRLF.
/// Cells a spreadsheet would evaluate as formulas are defused.
/// </summary>
public static class AuditCsv
{
    public static string Line(AuditEntry e) => string.Join(',',
        Field(e.At.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)),
        Field(e.Actor), Field(e.Action), Field(e.Subject), Field(e.Before), Field(e.After)) + "\r\n";

    public static string Field(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }
        // A spreadsheet runs a cell that starts with = + - @ (or a tab or CR before one) as a formula; an actor
        // name or a subject is data, so such a cell starts with an apostrophe, which spreadsheets do not show.
        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
