using DeepFinance.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Privacy;

/// <summary>
/// Loads questions' ancestor chains (<see cref="Question.ParentQuestionId"/> links) and hands them to
/// <see cref="ProvenanceRules.Of"/>. The batch form reads one level of ancestors per query, so a
/// partition of questions costs as many queries as its deepest chain, not one per question.
/// </summary>
public sealed class QuestionProvenance(IDbContextFactory<DeepFinanceDbContext> dbFactory)
{
    /// <summary>A chain deeper than this is not trusted: its provenance is RawDerived.</summary>
    public const int MaxDepth = 64;

    public async Task<RequestProvenance> OfAsync(long questionId, CancellationToken ct = default) =>
        (await OfManyAsync([questionId], ct))[questionId];

    public async Task<IReadOnlyDictionary<long, RequestProvenance>> OfManyAsync(IReadOnlyCollection<long> questionIds, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await OfManyAsync(db, questionIds, ct);
    }

    /// <summary>The same, inside a context the caller already holds. Every id asked for is in the answer.</summary>
    public static async Task<IReadOnlyDictionary<long, RequestProvenance>> OfManyAsync(DeepFinanceDbContext db,
        IReadOnlyCollection<long> questionIds, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(questionIds);
        var links = new Dictionary<long, (QuestionOrigin Origin, long? Parent)>();
        var wanted = questionIds.Distinct().ToList();
        // One extra level beyond MaxDepth so that a chain of exactly MaxDepth steps is still read whole.
        for (var level = 0; wanted.Count > 0 && level <= MaxDepth; level++)
        {
            var rows = await db.Questions.AsNoTracking().Where(q => wanted.Contains(q.Id))
                .Select(q => new { q.Id, q.Origin, q.ParentQuestionId }).ToListAsync(ct);
            foreach (var r in rows)
            {
                links[r.Id] = (r.Origin, r.ParentQuestionId);
            }
            wanted = rows.Where(r => r.ParentQuestionId is { } p && !links.ContainsKey(p))
                .Select(r => r.ParentQuestionId!.Value).Distinct().ToList();
        }

        var result = new Dictionary<long, RequestProvenance>();
        foreach (var id in questionIds)
        {
            result[id] = ProvenanceRules.Of(Chain(id, links));
        }
        return result;
    }

    private static List<QuestionLineageStep> Chain(long id, Dictionary<long, (QuestionOrigin Origin, long? Parent)> links)
    {
        var chain = new List<QuestionLineageStep>();
        var seen = new HashSet<long>();
        long? current = id;
        while (current is { } at)
        {
            if (!links.TryGetValue(at, out var link) || !seen.Add(at) || chain.Count >= MaxDepth)
            {
                // A parent that names no row, a cycle, or a chain too deep: the lineage is unknown.
                chain.Add(QuestionLineageStep.Missing);
                break;
            }
            // No column records an expert's desensitization approval yet; until one does, nothing is approved.
            chain.Add(new QuestionLineageStep(link.Origin, ApprovedDesensitized: false));
            current = link.Parent;
        }
        return chain;
    }
}
