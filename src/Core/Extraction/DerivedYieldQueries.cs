using DeepFinance.Core.Data;
using DeepFinance.Core.Verification;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Extraction;

/// <summary>What an <c>a2q</c> or <c>t2q</c> run yielded: proposals, verified, rejected by reason, items that failed.</summary>
public sealed record DerivedYields(int Proposed, int Verified, IReadOnlyDictionary<string, int> RejectedByReason, int FailedItems, int Items)
{
    public int Rejected => RejectedByReason.Values.Sum();

    public double? AcceptRate => Proposed == 0 ? null : (double)Verified / Proposed;
}

/// <summary>A derived question's family, for the lineage view.</summary>
public sealed record LineageNode(long Id, QuestionOrigin Origin, string Text, string? ReferenceAnswer, TaskType? TaskType, Difficulty? Difficulty,
    double? PassRate, string? Perturbation, string? KnowledgePoint, long? ParentTraceId, long? FirstTraceId);

/// <summary>A proposal that did not become a question, shown beside the children so a rejection is visible with its reason.</summary>
public sealed record RejectedProposal(long Id, long RunId, QuestionOrigin Origin, string? Text, string? Perturbation, string? KnowledgePoint,
    string Reason, string? Detail);

/// <summary>A row of the question list: what the browser and the API show.</summary>
public sealed record QuestionRow(long Id, long? ParentId, QuestionOrigin Origin, TaskType? TaskType, Difficulty? Difficulty, string Text, string Status);

public sealed record QuestionList(int Total, IReadOnlyList<QuestionRow> Items);

public sealed record QuestionLineage(LineageNode Question, LineageNode? Parent, IReadOnlyList<LineageNode> Children, IReadOnlyList<RejectedProposal> Rejected);

/// <summary>An item that failed, with its reason (a malformed answer names both parse errors).</summary>
public sealed record FailedItem(long ItemId, string Key, string? Error);

public sealed class DerivedQueries(IDbContextFactory<DeepFinanceDbContext> dbFactory)
{
    /// <summary>The first failed items of a run with their reasons, for the run page.</summary>
    public async Task<IReadOnlyList<FailedItem>> FailedItemsAsync(long runId, int take = 20, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.RunItems.AsNoTracking().Where(i => i.RunId == runId && i.Status == RunItemStatus.Failed).OrderBy(i => i.Id).Take(take)
            .Select(i => new FailedItem(i.Id, i.Key, i.Error)).ToListAsync(ct);
    }

    public async Task<DerivedYields> YieldsAsync(long runId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.DerivedCandidates.Where(c => c.RunId == runId).GroupBy(c => new { c.Status, c.RejectReason })
            .Select(g => new { g.Key.Status, g.Key.RejectReason, Count = g.Count() }).ToListAsync(ct);
        var items = await db.RunItems.Where(i => i.RunId == runId).GroupBy(i => i.Status).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct);
        // A malformed answer is one rejected row but no proposal: nothing in it could be read.
        var byReason = rows.Where(r => r.Status == DerivedStatus.Rejected).GroupBy(r => r.RejectReason ?? "unknown")
            .ToDictionary(g => g.Key, g => g.Sum(r => r.Count));
        var verified = rows.Where(r => r.Status == DerivedStatus.Verified).Sum(r => r.Count);
        return new DerivedYields(verified + byReason.Values.Sum(), verified, new SortedDictionary<string, int>(byReason, StringComparer.Ordinal),
            items.Where(i => i.Key == RunItemStatus.Failed).Sum(i => i.Count), items.Sum(i => i.Count));
    }

    /// <summary>The question, its parent, its derived children and the proposals from it that were rejected; null for an unknown id.</summary>
    public async Task<QuestionLineage?> LineageAsync(long questionId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var question = await Nodes(db, db.Questions.Where(q => q.Id == questionId)).FirstOrDefaultAsync(ct);
        if (question is null)
        {
            return null;
        }
        var parentId = await db.Questions.Where(q => q.Id == questionId).Select(q => q.ParentQuestionId).FirstAsync(ct);
        var parent = parentId is { } p ? await Nodes(db, db.Questions.Where(q => q.Id == p)).FirstOrDefaultAsync(ct) : null;
        var children = await Nodes(db, db.Questions.Where(q => q.ParentQuestionId == questionId).OrderBy(q => q.Id).Take(200)).ToListAsync(ct);
        var rejected = (await db.DerivedCandidates.AsNoTracking().Where(c => c.ParentQuestionId == questionId && c.Status == DerivedStatus.Rejected)
            .OrderBy(c => c.Id).Take(200).ToListAsync(ct))
            .Select(c => new RejectedProposal(c.Id, c.RunId, c.Origin, c.Text,
                c.PerturbationKind is null ? null : DerivedWork.Describe(new Proposal(c.Index, c.Text, null, c.Answer, c.PerturbationKind, c.PerturbationBefore, c.PerturbationAfter, null, null)),
                c.KnowledgePoint, c.RejectReason ?? "unknown", c.RejectDetail)).ToList();
        return new QuestionLineage(question, parent, children, rejected);
    }

    public const int MaxPageSize = 200;

    /// <summary>
    /// Questions by origin, newest first, a page at a time. Status: <c>verified</c> (a correct sampled answer),
    /// <c>failed</c> (sampled, none correct), <c>disputed</c> (reference disputed) or <c>unsampled</c>.
    /// </summary>
    public async Task<QuestionList> ListAsync(QuestionOrigin? origin, int page, int pageSize, CancellationToken ct = default)
    {
        pageSize = Math.Clamp(pageSize, 1, MaxPageSize);
        page = Math.Max(1, page);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var q = db.Questions.AsNoTracking();
        if (origin is { } o)
        {
            q = q.Where(x => x.Origin == o);
        }
        var total = await q.CountAsync(ct);
        var rows = await q.OrderByDescending(x => x.Id).Skip((page - 1) * pageSize).Take(pageSize)
            .Select(x => new
            {
                x.Id, x.ParentQuestionId, x.Origin, x.TaskType, x.Difficulty, x.Text, x.ReferenceDisputedAt, x.VerifiedSamples,
                Correct = db.Traces.Any(t => t.QuestionId == x.Id && t.Verdict == Verdict.Correct),
            }).ToListAsync(ct);
        return new QuestionList(total, [.. rows.Select(x => new QuestionRow(x.Id, x.ParentQuestionId, x.Origin, x.TaskType, x.Difficulty, x.Text,
            x.ReferenceDisputedAt is not null ? "disputed" : x.Correct ? "verified" : x.VerifiedSamples > 0 ? "failed" : "unsampled"))]);
    }

    private static IQueryable<LineageNode> Nodes(DeepFinanceDbContext db, IQueryable<Question> q) => q.AsNoTracking().Select(x => new LineageNode(
        x.Id, x.Origin, x.Text, x.ReferenceAnswer, x.TaskType, x.Difficulty, x.PassRate, x.Perturbation, x.KnowledgePoint, x.ParentTraceId,
        db.Traces.Where(t => t.QuestionId == x.Id).Min(t => (long?)t.Id)));
}
