using DeepFinance.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Curation;

/// <summary>
/// What the release builder asks: is a question contaminated (it has a <see cref="ContaminationHit"/>)? A question with
/// a hit is excluded from every release, reason code <see cref="ReasonCode"/>.
/// </summary>
public interface IContaminationIndex
{
    /// <summary>Whether the question has at least one hit.</summary>
    Task<bool> IsContaminatedAsync(long questionId, CancellationToken ct = default);

    /// <summary>The ids of every contaminated question, SQL-composable in <paramref name="db"/>'s queries.</summary>
    IQueryable<long> ContaminatedQuestionIds(DeepFinanceDbContext db);

    /// <summary><paramref name="questions"/> without the contaminated ones, as one SQL query (NOT EXISTS).</summary>
    IQueryable<Question> Clean(DeepFinanceDbContext db, IQueryable<Question> questions);
}

/// <inheritdoc />
public sealed class ContaminationIndex(IDbContextFactory<DeepFinanceDbContext> dbFactory) : IContaminationIndex
{
    /// <summary>The exclusion reason code for a question with a contamination hit.</summary>
    public const string ReasonCode = "contaminated";

    public async Task<bool> IsContaminatedAsync(long questionId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.ContaminationHits.AnyAsync(h => h.QuestionId == questionId, ct);
    }

    public IQueryable<long> ContaminatedQuestionIds(DeepFinanceDbContext db)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.ContaminationHits.Select(h => h.QuestionId).Distinct();
    }

    public IQueryable<Question> Clean(DeepFinanceDbContext db, IQueryable<Question> questions)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(questions);
        return questions.Where(q => !db.ContaminationHits.Any(h => h.QuestionId == q.Id));
    }
}

/// <summary>A benchmark set as listed.</summary>
public sealed record BenchmarkSetRow(long Id, string Name, string FileName, int ItemCount, DateTimeOffset ImportedAt, string ImportedBy, int HitCount);

/// <summary>One hit side by side: the pool question and the benchmark item it copies.</summary>
public sealed record ContaminationHitRow(long Id, long QuestionId, string QuestionText, long BenchmarkSetId, string BenchmarkSetName,
    long BenchmarkItemId, string? ItemExternalId, int ItemLine, string ItemQuestion, string Method, double Score, DateTimeOffset DetectedAt);

/// <summary>Sort orders of the hits table.</summary>
public enum HitSort { ScoreDescending, ScoreAscending, Question, Item, Newest }

/// <summary>Reads benchmark sets and hits for the pages, the API and the CLI; paged, sorted and filtered in the database.</summary>
public sealed class BenchmarkQueries(IDbContextFactory<DeepFinanceDbContext> dbFactory)
{
    public async Task<List<BenchmarkSetRow>> ListSetsAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.BenchmarkSets.AsNoTracking().OrderByDescending(s => s.Id)
            .Select(s => new BenchmarkSetRow(s.Id, s.Name, s.FileName, s.ItemCount, s.ImportedAt, s.ImportedBy,
                db.ContaminationHits.Count(h => db.BenchmarkItems.Any(i => i.Id == h.BenchmarkItemId && i.BenchmarkSetId == s.Id))))
            .ToListAsync(ct);
    }

    /// <summary>A page of hits (pages from 1), optionally of one set, with <paramref name="search"/> in the question or the item.</summary>
    public async Task<(int Total, List<ContaminationHitRow> Rows)> HitsAsync(long? setId, int page, int pageSize, HitSort sort = HitSort.ScoreDescending,
        string? search = null, string? method = null, CancellationToken ct = default)
    {
        pageSize = Math.Clamp(pageSize, 1, 500);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query =
            from h in db.ContaminationHits.AsNoTracking()
            join q in db.Questions on h.QuestionId equals q.Id
            join i in db.BenchmarkItems on h.BenchmarkItemId equals i.Id
            join s in db.BenchmarkSets on i.BenchmarkSetId equals s.Id
            select new { h, q, i, s };
        if (setId is { } id)
        {
            query = query.Where(x => x.s.Id == id);
        }
        if (!string.IsNullOrWhiteSpace(method))
        {
            query = query.Where(x => x.h.Method == method);
        }
        if (!string.IsNullOrWhiteSpace(search))
        {
            var term = search.Trim();
            query = query.Where(x => x.q.Text.Contains(term) || x.i.Question.Contains(term));
        }
        var total = await query.CountAsync(ct);
        query = sort switch
        {
            HitSort.ScoreAscending => query.OrderBy(x => x.h.Score).ThenBy(x => x.h.Id),
            HitSort.Question => query.OrderBy(x => x.q.Id).ThenBy(x => x.h.Id),
            HitSort.Item => query.OrderBy(x => x.i.Id).ThenBy(x => x.h.Id),
            HitSort.Newest => query.OrderByDescending(x => x.h.Id),
            _ => query.OrderByDescending(x => x.h.Score).ThenBy(x => x.h.Id),
        };
        var rows = await query.Skip(Paging.Offset(page, pageSize)).Take(pageSize)
            .Select(x => new ContaminationHitRow(x.h.Id, x.q.Id, x.q.Text, x.s.Id, x.s.Name, x.i.Id, x.i.ExternalId, x.i.LineNumber, x.i.Question,
                x.h.Method, x.h.Score, x.h.DetectedAt))
            .ToListAsync(ct);
        return (total, rows);
    }
}
