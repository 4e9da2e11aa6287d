using System.Security.Cryptography;
using DeepFinance.Core.Data;
using DeepFinance.Core.Ingest;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DeepFinance.Core.Curation;

/// <summary>The outcome of a benchmark import: the set's id and item count, or the problems by line (and nothing stored).</summary>
public sealed record BenchmarkImportResult(long? SetId, int ItemCount, IReadOnlyList<ImportError> Errors)
{
    public bool Succeeded => Errors.Count == 0 && SetId is not null;
}

/// <summary>
/// Imports an evaluation benchmark (FinEval, CFLUE, a FinQA-like set…) as a protected benchmark set: JSONL or CSV
/// with <c>question</c>, <c>answer</c>, optional <c>id</c>, <c>options</c> or option columns <c>A</c>–<c>F</c>,
/// <c>task_type</c> and <c>difficulty</c>. It reads lines with the seed importer's readers and rules (strict
/// UTF-8, line limits, choice answers within the options), all or nothing, every problem named by line and field.
/// Unlike a seed file, an unread column always refuses the file: a benchmark is kept whole or not at all.
/// </summary>
public sealed class BenchmarkImporter(IDbContextFactory<DeepFinanceDbContext> dbFactory, IOptions<InputLimits>? limitOptions = null)
{
    private readonly InputLimits _limits = limitOptions?.Value ?? new InputLimits();
    private const int BatchSize = 1000;
    private static readonly string[] ExtraFields = ["difficulty"];

    public async Task<BenchmarkImportResult> ImportAsync(Stream content, string fileName, string name, string importedBy, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (string.IsNullOrWhiteSpace(name))
        {
            return Refused(new ImportError(0, "name", "a benchmark set needs a name"));
        }
        name = name.Trim();
        if ((SeedImporter.CheckName(name, "name", _limits) ?? SeedImporter.CheckName(Path.GetFileName(fileName), "file", _limits)) is { } nameError)
        {
            return Refused(nameError);
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.BenchmarkSets.AnyAsync(s => s.Name == name, ct))
        {
            return Refused(new ImportError(0, "name", $"a benchmark set named \"{name}\" already exists"));
        }

        var log = new ImportLog(ignoreUnknownColumns: false, _limits, ExtraFields);
        var errors = log.Errors;
        var seenIds = new Dictionary<string, int>(StringComparer.Ordinal);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var hashing = new SeedImporter.HashingStream(content, sha);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var set = new BenchmarkSet
        {
            Name = name, FileName = Path.GetFileName(fileName), ContentSha256 = "", ImportedBy = importedBy, ImportedAt = DateTimeOffset.UtcNow,
        };
        db.BenchmarkSets.Add(set);
        await db.SaveChangesAsync(ct);

        var count = 0;
        var pending = 0;
        var records = SeedImporter.DetectFormat(fileName) == "csv" ? CsvSeedReader.ReadAsync(hashing, log, ct) : SeedImporter.ReadJsonlAsync(hashing, log, ct);
        await foreach (var record in records)
        {
            var item = ToItem(set.Id, record, errors, seenIds);
            if (item is null || errors.Count > 0)
            {
                // Keep reading to report more problems, but write nothing more.
                if (errors.Count >= SeedImporter.MaxReportedErrors)
                {
                    break;
                }
                continue;
            }
            db.BenchmarkItems.Add(item);
            count++;
            if (++pending == BatchSize)
            {
                await db.SaveChangesAsync(ct);
                db.ChangeTracker.Clear();
                db.Attach(set);
                pending = 0;
            }
        }
        if (errors.Count == 0 && count == 0)
        {
            errors.Add(new ImportError(0, "", "the file holds no items"));
        }
        if (errors.Count > 0)
        {
            await tx.RollbackAsync(CancellationToken.None);
            return new BenchmarkImportResult(null, 0, errors.Take(SeedImporter.MaxReportedErrors).ToList());
        }
        set.ItemCount = count;
        set.ContentSha256 = Convert.ToHexStringLower(sha.GetHashAndReset());
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return new BenchmarkImportResult(set.Id, count, []);
    }

    private BenchmarkItem? ToItem(long setId, SeedRecord record, List<ImportError> errors, Dictionary<string, int> seenIds)
    {
        if (SeedImporter.CheckFieldLengths(record, _limits) is { } tooLong)
        {
            errors.Add(tooLong);
            return null;
        }
        if (record.Source is not null)
        {
            errors.Add(new ImportError(record.Line, "source", "a benchmark item has no source; remove the column or field"));
            return null;
        }
        if (record.Id is { } id)
        {
            if (seenIds.TryGetValue(id, out var first))
            {
                errors.Add(new ImportError(record.Line, "id", $"duplicate id \"{id}\" (first on line {first})"));
                return null;
            }
            seenIds[id] = record.Line;
        }
        Difficulty? difficulty = null;
        if (record.Fields.TryGetValue("difficulty", out var text) && !string.IsNullOrWhiteSpace(text))
        {
            difficulty = ParseDifficulty(text);
            if (difficulty is null)
            {
                errors.Add(new ImportError(record.Line, "difficulty", $"\"{text.Trim()}\" is not one of: simple (easy, 简单), medium (中等), hard (困难)"));
                return null;
            }
        }
        return new BenchmarkItem
        {
            BenchmarkSetId = setId, LineNumber = record.Line, ExternalId = record.Id, Question = record.Question, Answer = record.Answer,
            Options = record.Options, TaskType = record.TaskType, Difficulty = difficulty,
        };
    }

    /// <summary>A difficulty word in English or Chinese, or null.</summary>
    public static Difficulty? ParseDifficulty(string text) => text.Trim().ToLowerInvariant() switch
    {
        "simple" or "easy" or "简单" or "容易" or "易" => Difficulty.Simple,
        "medium" or "moderate" or "中等" or "中" => Difficulty.Medium,
        "hard" or "difficult" or "困难" or "难" => Difficulty.Hard,
        _ => null,
    };

    private static BenchmarkImportResult Refused(ImportError error) => new(null, 0, [error]);
}
