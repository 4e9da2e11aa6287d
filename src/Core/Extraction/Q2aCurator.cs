using DeepFinance.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Extraction;

/// <summary>
/// Q2A direct curation: each well-formed seed QA pair becomes a question carrying its reference
/// answer. Idempotent: a seed item yields one Q2A question however many runs curate it.
/// </summary>
public sealed class Q2aCurator(IDbContextFactory<DeepFinanceDbContext> dbFactory)
{
    private const int BatchSize = 1000;

    /// <summary>Creates the missing questions of a seed source, streaming its items in batches.</summary>
    public async Task<int> CurateAsync(long seedSourceId, long runId, CancellationToken ct)
    {
        var created = 0;
        long after = 0;
        var collisions = 0;
        while (true)
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var batch = await db.SeedItems.AsNoTracking()
                .Where(i => i.SeedSourceId == seedSourceId && i.Id > after)
                .OrderBy(i => i.Id).Take(BatchSize).ToListAsync(ct);
            if (batch.Count == 0)
            {
                return created;
            }
            var ids = batch.Select(i => (long?)i.Id).ToList();
            var existing = (await db.Questions.Where(q => q.Origin == QuestionOrigin.Q2A && ids.Contains(q.SeedItemId))
                .Select(q => q.SeedItemId).ToListAsync(ct)).ToHashSet();
            var added = 0;
            foreach (var item in batch.Where(i => !existing.Contains(i.Id)))
            {
                db.Questions.Add(new Question
                {
                    Origin = QuestionOrigin.Q2A,
                    SeedItemId = item.Id,
                    CreatedByRunId = runId,
                    Text = item.Question,
                    ReferenceAnswer = item.Answer,
                    Options = item.Options,
                    TaskType = item.TaskType,
                    Language = Languages.Detect(item.Question),
                    CreatedAt = DateTimeOffset.UtcNow,
                });
                added++;
            }
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException) when (++collisions <= 5)
            {
                // Another run curated some of these items at the same moment; read the batch again.
                continue;
            }
            created += added;
            after = batch[^1].Id;
        }
    }
}

public static class Languages
{
    /// <summary>"zh" when a fifth or more of the letters are CJK ideographs, else "en".</summary>
    public static string Detect(string text)
    {
        int cjk = 0, letters = 0;
        foreach (var ch in text)
        {
            if (ch is >= '\u4e00' and <= '\u9fff')
            {
                cjk++;
                letters++;
            }
            else if (char.IsLetter(ch))
            {
                letters++;
            }
        }
        return letters > 0 && cjk * 5 >= letters ? "zh" : "en";
    }
}
