using DeepFinance.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DeepFinance.Core.Curation;

/// <summary>Which benchmark items and which pool questions one decontamination compares.</summary>
/// <param name="BenchmarkSetId">One benchmark set; null for every set.</param>
/// <param name="SeedSourceId">Only questions made from this seed source's items; null for the whole pool.</param>
/// <param name="RunId">Only questions this run created or sampled; null for the whole pool.</param>
public sealed record DecontaminationScope(long? BenchmarkSetId = null, long? SeedSourceId = null, long? RunId = null);

/// <summary>How far a decontamination has come.</summary>
public sealed record DecontaminationProgress(int Scanned, int Total, int Hits);

/// <summary>The outcome: items indexed, questions scanned, hits standing for the scanned questions, and what changed.</summary>
/// <param name="Added">Hits found for the first time.</param>
/// <param name="Updated">Hits found before whose method or score changed.</param>
/// <param name="Removed">Hits stored before that no longer pass (settings changed), for the scanned questions and items.</param>
public sealed record DecontaminationResult(int Items, int Scanned, int Hits, int Added, int Updated, int Removed);

/// <summary>
/// Compares pool questions against benchmark items and stores a <see cref="ContaminationHit"/> per pair found (see
/// <see cref="BenchmarkMatcher"/> for the methods). The items are held in memory; the questions are read in pages by
/// id, so 300K questions cost one page of memory. Idempotent: a pair is stored once (a re-run updates its score), and a
/// re-run drops the stored hits of the scanned questions that no longer pass, so the hits always say what the last scan found.
/// </summary>
public sealed class Decontaminator(
    IDbContextFactory<DeepFinanceDbContext> dbFactory, IOptions<DecontaminationOptions> options, IOptions<DedupOptions> dedup,
    TextNormalizer normalizer, TimeProvider time)
{
    private readonly DecontaminationOptions _options = options.Value;

    public async Task<DecontaminationResult> RunAsync(DecontaminationScope scope, IProgress<DecontaminationProgress>? progress = null,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var matcher = new BenchmarkMatcher(_options, dedup.Value, normalizer);
        var itemIds = new List<long>();
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            if (scope.BenchmarkSetId is { } setId && !await db.BenchmarkSets.AnyAsync(s => s.Id == setId, ct))
            {
                throw new KeyNotFoundException($"benchmark set {setId} does not exist");
            }
            var items = db.BenchmarkItems.AsNoTracking();
            if (scope.BenchmarkSetId is { } id)
            {
                items = items.Where(i => i.BenchmarkSetId == id);
            }
            await foreach (var item in items.OrderBy(i => i.Id).Select(i => new { i.Id, i.Question }).AsAsyncEnumerable().WithCancellation(ct))
            {
                matcher.Add(item.Question);
                itemIds.Add(item.Id);
            }
        }
        var itemIdSet = itemIds.ToHashSet();

        int total;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            total = await Pool(db, scope).CountAsync(ct);
        }
        int scanned = 0, hits = 0, added = 0, updated = 0, removed = 0;
        long after = 0;
        progress?.Report(new DecontaminationProgress(0, total, 0));
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var page = await Pool(db, scope).Where(q => q.Id > after).OrderBy(q => q.Id).Take(_options.PageSize)
                .Select(q => new { q.Id, q.Text }).ToListAsync(ct);
            if (page.Count == 0)
            {
                break;
            }
            after = page[^1].Id;
            var found = new Dictionary<(long Question, long Item), BenchmarkMatch>();
            if (matcher.Count > 0)
            {
                foreach (var question in page)
                {
                    foreach (var match in matcher.Match(question.Text))
                    {
                        found[(question.Id, itemIds[match.Item])] = match;
                    }
                }
            }
            var ids = page.Select(q => q.Id).ToList();
            var stored = await db.ContaminationHits.Where(h => ids.Contains(h.QuestionId)).ToListAsync(ct);
            var now = time.GetUtcNow();
            foreach (var hit in stored.Where(h => itemIdSet.Contains(h.BenchmarkItemId)))
            {
                if (!found.Remove((hit.QuestionId, hit.BenchmarkItemId), out var match))
                {
                    db.ContaminationHits.Remove(hit);
                    removed++;
                    continue;
                }
                hits++;
                if (hit.Method != match.Method || Math.Abs(hit.Score - match.Score) > 1e-9)
                {
                    hit.Method = match.Method;
                    hit.Score = match.Score;
                    hit.DetectedAt = now;
                    updated++;
                }
            }
            foreach (var ((questionId, itemId), match) in found)
            {
                db.ContaminationHits.Add(new ContaminationHit
                {
                    QuestionId = questionId, BenchmarkItemId = itemId, Method = match.Method, Score = match.Score, DetectedAt = now,
                });
                added++;
                hits++;
            }
            await db.SaveChangesAsync(ct);
            scanned += page.Count;
            progress?.Report(new DecontaminationProgress(scanned, total, hits));
        }
        return new DecontaminationResult(itemIds.Count, scanned, hits, added, updated, removed);
    }

    /// <summary>The pool questions of a scope.</summary>
    private static IQueryable<Question> Pool(DeepFinanceDbContext db, DecontaminationScope scope)
    {
        var questions = db.Questions.AsNoTracking();
        if (scope.SeedSourceId is { } source)
        {
            questions = questions.Where(q => q.SeedItemId != null && db.SeedItems.Any(s => s.Id == q.SeedItemId && s.SeedSourceId == source));
        }
        if (scope.RunId is { } run)
        {
            questions = questions.Where(q => q.CreatedByRunId == run || db.Traces.Any(t => t.QuestionId == q.Id && t.RunId == run));
        }
        return questions;
    }
}
