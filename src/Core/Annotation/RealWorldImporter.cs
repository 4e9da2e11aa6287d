using System.Globalization;
using System.Text.Json;
using DeepFinance.Core.Audit;
using DeepFinance.Core.Data;
using DeepFinance.Core.Ingest;
using DeepFinance.Core.Privacy.Desensitization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DeepFinance.Core.Annotation;

/// <summary>
/// Imports real customers' queries from JSONL or CSV (<c>text</c>, optional <c>channel</c>, <c>date</c>, <c>product</c>; other
/// fields are neither read nor stored). All or nothing: one bad line and nothing is stored, every error named by line and field.
/// Each query is desensitized before it is stored; its raw text is stored apart, encrypted, and each query is shared out to
/// the configured number of experts.
/// </summary>
public sealed class RealWorldImporter(
    IDbContextFactory<DeepFinanceDbContext> dbFactory,
    Desensitizer desensitizer,
    IRawTextProtector protector,
    IExpertDirectory experts,
    IOptions<RealWorldOptions> options,
    IOptions<InputLimits> limits,
    AuditLog audit,
    TimeProvider time)
{
    public const int MaxReportedErrors = 50;
    public const int MaxChannelChars = 100;
    public const int MaxProductChars = 200;
    private static readonly string[] Known = ["text", "channel", "date", "product", "id"];

    private sealed record Row(int Line, string Text, string? Channel, string? Product, DateOnly? AskedOn);

    public async Task<RealWorldImportResult> ImportAsync(Stream content, string fileName, string name, string importedBy, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var limit = limits.Value;
        if (string.IsNullOrWhiteSpace(name))
        {
            return Failed(new RealWorldImportError(0, "name", "an import needs a name"));
        }
        if (name.Trim().Length > limit.MaxNameChars)
        {
            return Failed(new RealWorldImportError(0, "name", InputLimits.FieldTooLong(name.Trim().Length, limit.MaxNameChars, nameof(InputLimits.MaxNameChars))));
        }
        var file = Path.GetFileName(fileName ?? "");
        if (file.Length is 0 or > 260)
        {
            return Failed(new RealWorldImportError(0, "file", "the file needs a name of 1 to 260 characters ending in .jsonl or .csv"));
        }
        var errors = new List<RealWorldImportError>();
        var rows = new List<Row>();
        var reader = new LineReader(content, limit.MaxLineBytes);
        var csv = Path.GetExtension(file).Equals(".csv", StringComparison.OrdinalIgnoreCase);
        try
        {
            if (csv)
            {
                await ReadCsvAsync(reader, limit, rows, errors, ct);
            }
            else
            {
                await ReadJsonlAsync(reader, limit, rows, errors, ct);
            }
        }
        catch (LineDecodeException e)
        {
            errors.Add(new RealWorldImportError(e.Line, "", e.Message));
        }
        catch (FormatException e)
        {
            errors.Add(new RealWorldImportError(reader.LineNumber, "", e.Message));
        }
        if (errors.Count == 0 && rows.Count == 0)
        {
            errors.Add(new RealWorldImportError(0, "", "the file holds no queries"));
        }
        if (errors.Count > 0)
        {
            return new RealWorldImportResult(null, 0, errors.Take(MaxReportedErrors).ToList());
        }

        var now = time.GetUtcNow();
        var who = string.IsNullOrWhiteSpace(importedBy) ? "system" : importedBy.Trim();
        var pool = (await experts.ExpertsAsync(ct)).Distinct(StringComparer.OrdinalIgnoreCase).OrderBy(e => e, StringComparer.Ordinal).ToList();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var import = new RealWorldImport
        {
            Name = name.Trim(), FileName = file, ImportedBy = who, QueryCount = rows.Count, ImportedAt = now,
            RawRetainedUntil = now.AddDays(options.Value.RetentionDays),
        };
        db.RealWorldImports.Add(import);
        await db.SaveChangesAsync(ct);
        var queries = new List<RealWorldQuery>(rows.Count);
        foreach (var row in rows)
        {
            var result = desensitizer.Desensitize(row.Text);
            var query = new RealWorldQuery
            {
                ImportId = import.Id, LineNumber = row.Line, RawProtected = protector.Protect(row.Text), DesensitizedText = result.Text,
                EntitiesJson = EntitiesJson.Write(result.Entities.Select(e => new QueryEntity(e.Type, e.Level.ToString(), e.Start, e.End, e.Recognizer, e.Replacement))),
                HighestSurvivingLevel = null, Channel = row.Channel, Product = row.Product, AskedOn = row.AskedOn,
                Status = RealWorldQueryStatus.AwaitingCheck, Version = 1, CreatedAt = now,
            };
            db.RealWorldQueries.Add(query);
            queries.Add(query);
        }
        await db.SaveChangesAsync(ct);
        var assigned = Assign(db, queries.Select(q => q.Id).ToList(), pool, await OpenLoadAsync(db, ct), options.Value.ExpertsPerQuery, now);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(CancellationToken.None);
        await audit.WriteAsync(who, "realworld.imported", $"realworld-import:{import.Id}",
            after: new { name = import.Name, file, queries = rows.Count, assignments = assigned, retainedUntil = import.RawRetainedUntil }, ct: CancellationToken.None);
        return new RealWorldImportResult(import.Id, rows.Count, [], assigned);
    }

    private static RealWorldImportResult Failed(RealWorldImportError error) => new(null, 0, [error]);

    private static async Task<Dictionary<string, int>> OpenLoadAsync(DeepFinanceDbContext db, CancellationToken ct) =>
        await db.ExpertAssignments.Where(a => !a.Done).GroupBy(a => a.Expert).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(x => x.Key, x => x.Count, StringComparer.OrdinalIgnoreCase, ct);

    /// <summary>Each query to the <paramref name="perQuery"/> least-loaded experts (ties by name), so work spreads evenly.</summary>
    internal static int Assign(DeepFinanceDbContext db, IReadOnlyList<long> queryIds, IReadOnlyList<string> pool, Dictionary<string, int> load, int perQuery, DateTimeOffset now)
    {
        var count = 0;
        var take = Math.Min(perQuery, pool.Count);
        foreach (var id in queryIds)
        {
            foreach (var expert in pool.OrderBy(e => load.GetValueOrDefault(e)).ThenBy(e => e, StringComparer.Ordinal).Take(take).ToList())
            {
                db.ExpertAssignments.Add(new ExpertAssignment { QueryId = id, Expert = expert, AssignedAt = now });
                load[expert] = load.GetValueOrDefault(expert) + 1;
                count++;
            }
        }
        return count;
    }

    private static async Task ReadJsonlAsync(LineReader reader, InputLimits limit, List<Row> rows, List<RealWorldImportError> errors, CancellationToken ct)
    {
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            var at = reader.LineNumber;
            Dictionary<string, string?> fields;
            try
            {
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                {
                    errors.Add(new RealWorldImportError(at, "", "each line must be a JSON object"));
                    continue;
                }
                fields = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
                var bad = false;
                foreach (var p in doc.RootElement.EnumerateObject())
                {
                    if (!Known.Contains(p.Name, StringComparer.OrdinalIgnoreCase))
                    {
                        continue;
                    }
                    if (fields.ContainsKey(p.Name))
                    {
                        errors.Add(new RealWorldImportError(at, p.Name, "given twice"));
                        bad = true;
                        continue;
                    }
                    fields[p.Name] = p.Value.ValueKind switch
                    {
                        JsonValueKind.String => p.Value.GetString(),
                        JsonValueKind.Null => null,
                        JsonValueKind.Number => p.Value.GetRawText(),
                        _ => Bad(p.Name),
                    };
                }
                if (bad)
                {
                    continue;
                }
                string? Bad(string field)
                {
                    errors.Add(new RealWorldImportError(at, field, "must be a string"));
                    bad = true;
                    return null;
                }
            }
            catch (JsonException e)
            {
                errors.Add(new RealWorldImportError(at, "", $"invalid JSON ({e.Message.Split(". ")[0]})"));
                continue;
            }
            Validate(at, fields, limit, rows, errors);
            if (errors.Count >= MaxReportedErrors)
            {
                return;
            }
        }
    }

    private static async Task ReadCsvAsync(LineReader reader, InputLimits limit, List<Row> rows, List<RealWorldImportError> errors, CancellationToken ct)
    {
        string[]? header = null;
        while (true)
        {
            var (cells, line) = await CsvSeedReader.ReadRecordAsync(reader, limit.MaxLineBytes, ct);
            if (cells is null)
            {
                if (header is null && errors.Count == 0)
                {
                    errors.Add(new RealWorldImportError(0, "", "the file holds no header row"));
                }
                return;
            }
            if (cells.Count == 1 && cells[0].Length == 0)
            {
                continue;
            }
            if (header is null)
            {
                header = cells.Select(c => c.Trim().ToLowerInvariant()).ToArray();
                if (!header.Contains("text"))
                {
                    errors.Add(new RealWorldImportError(line, "text", "the header row has no such column"));
                    return;
                }
                var twice = header.Where(h => h.Length > 0).GroupBy(h => h).FirstOrDefault(g => g.Count() > 1);
                if (twice is not null)
                {
                    errors.Add(new RealWorldImportError(line, twice.Key, "the header names this column twice"));
                    return;
                }
                continue;
            }
            if (cells.Count != header.Length)
            {
                errors.Add(new RealWorldImportError(line, "", $"{cells.Count} columns where the header has {header.Length}"));
                continue;
            }
            var fields = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < header.Length; i++)
            {
                if (Known.Contains(header[i]))
                {
                    fields[header[i]] = cells[i].Length == 0 ? null : cells[i];
                }
            }
            Validate(line, fields, limit, rows, errors);
            if (errors.Count >= MaxReportedErrors)
            {
                return;
            }
        }
    }

    private static void Validate(int line, Dictionary<string, string?> fields, InputLimits limit, List<Row> rows, List<RealWorldImportError> errors)
    {
        var before = errors.Count;
        var text = fields.GetValueOrDefault("text")?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            errors.Add(new RealWorldImportError(line, "text", "required, and may not be empty"));
        }
        else if (text.Length > limit.MaxFieldChars)
        {
            errors.Add(new RealWorldImportError(line, "text", InputLimits.FieldTooLong(text.Length, limit.MaxFieldChars)));
        }
        var channel = fields.GetValueOrDefault("channel")?.Trim();
        if (channel is { Length: > MaxChannelChars })
        {
            errors.Add(new RealWorldImportError(line, "channel", $"at most {MaxChannelChars} characters (this one has {channel.Length})"));
        }
        var product = fields.GetValueOrDefault("product")?.Trim();
        if (product is { Length: > MaxProductChars })
        {
            errors.Add(new RealWorldImportError(line, "product", $"at most {MaxProductChars} characters (this one has {product.Length})"));
        }
        DateOnly? asked = null;
        if (fields.GetValueOrDefault("date")?.Trim() is { Length: > 0 } date)
        {
            if (DateOnly.TryParseExact(date, ["yyyy-MM-dd", "yyyy/MM/dd", "yyyyMMdd"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
            {
                asked = d;
            }
            else if (DateTimeOffset.TryParse(date, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var dt))
            {
                asked = DateOnly.FromDateTime(dt.UtcDateTime);
            }
            else
            {
                errors.Add(new RealWorldImportError(line, "date", $"\"{Clip(date)}\" is not a date (write 2026-03-31)"));
            }
        }
        if (errors.Count == before)
        {
            rows.Add(new Row(line, text!, Empty(channel), Empty(product), asked));
        }
    }

    private static string? Empty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static string Clip(string s) => s.Length <= 40 ? s : s[..40] + "…";
}

/// <summary>Reads and writes <see cref="RealWorldQuery.EntitiesJson"/>.</summary>
public static class EntitiesJson
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string Write(IEnumerable<QueryEntity> entities) => JsonSerializer.Serialize(entities.ToList(), Json);

    public static IReadOnlyList<QueryEntity> Read(string? json) =>
        string.IsNullOrWhiteSpace(json) ? [] : JsonSerializer.Deserialize<List<QueryEntity>>(json, Json) ?? [];
}
