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
/// <param name="PerturbationKind">A2Q: what kind of fact was changed, with <paramref name="PerturbationBefore"/> and <paramref name="PerturbationAfter"/>.</param>
/// <param name="KnowledgePointId">T2Q: the merged knowledge point the question targets.</param>
/// <param name="Status">See <see cref="QuestionStatuses"/>.</param>
public sealed record LineageNode(long Id, QuestionOrigin Origin, string Text, string? ReferenceAnswer, TaskType? TaskType, Difficulty? Difficulty,
    double? PassRate, string? Perturbation, string? KnowledgePoint, long? ParentTraceId, long? FirstTraceId,
    string? PerturbationKind = null, string? PerturbationBefore = null, string? PerturbationAfter = null, long? KnowledgePointId = null, string? Status = null);

/// <summary>A proposal that did not become a question, shown beside the children so a rejection is visible with its reason.</summary>
public sealed record RejectedProposal(long Id, long RunId, QuestionOrigin Origin, string? Text, string? Perturbation, string? KnowledgePoint,
    string Reason, string? Detail);

/// <summary>A row of the question list: what the browser and the API show.</summary>
public sealed record QuestionRow(long Id, long? ParentId, QuestionOrigin Origin, TaskType? TaskType, Difficulty? Difficulty, string Text, string Status);

public sealed record QuestionList(int Total, IReadOnlyList<QuestionRow> Items);

public sealed record QuestionLineage(LineageNode Question, LineageNode? Parent, IReadOnlyList<LineageNode> Children, IReadOnlyList<RejectedProposal> Rejected);

public sealed class DerivedQueries(IDbContextFactory<DeepFinanceDbContext> dbFactory)
{
    /// <summary>
    /// Kinds whose runs propose questions and so have yields (proposed, verified, rejected by reason). The run page also
    /// shows yields for a run of any other kind that stored proposals, so a kind added later needs no page change.
    /// </summary>
    public static readonly IReadOnlySet<string> YieldKinds = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "a2q", "t2q", "extract" };

    public static bool HasYields(string kind, DerivedYields yields) =>
        YieldKinds.Contains(kind) || yields?.Proposed > 0;

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
        var question = (await NodesAsync(db, db.Questions.Where(q => q.Id == questionId), ct)).FirstOrDefault();
        if (question is null)
        {
            return null;
        }
        var parentId = await db.Questions.Where(q => q.Id == questionId).Select(q => q.ParentQuestionId).FirstAsync(ct);
        var parent = parentId is { } p ? (await NodesAsync(db, db.Questions.Where(q => q.Id == p), ct)).FirstOrDefault() : null;
        var children = await NodesAsync(db, db.Questions.Where(q => q.ParentQuestionId == questionId).OrderBy(q => q.Id).Take(200), ct);
        var rejected = (await db.DerivedCandidates.AsNoTracking().Where(c => c.ParentQuestionId == questionId && c.Status == DerivedStatus.Rejected)
            .OrderBy(c => c.Id).Take(200).ToListAsync(ct))
            .Select(c => new RejectedProposal(c.Id, c.RunId, c.Origin, c.Text,
                c.PerturbationKind is null ? null : DerivedWork.Describe(new Proposal(c.Index, c.Text, null, c.Answer, c.PerturbationKind, c.PerturbationBefore, c.PerturbationAfter, null, null)),
                c.KnowledgePoint, c.RejectReason ?? "unknown", c.RejectDetail)).ToList();
        return new QuestionLineage(question, parent, children, rejected);
    }

    private static async Task<List<LineageNode>> NodesAsync(DeepFinanceDbContext db, IQueryable<Question> q, CancellationToken ct)
    {
        var rows = await q.AsNoTracking().Select(x => new
        {
            x.Id, x.Origin, x.Text, x.ReferenceAnswer, x.TaskType, x.Difficulty, x.PassRate, x.Perturbation, x.KnowledgePoint, x.ParentTraceId,
            FirstTrace = db.Traces.Where(t => t.QuestionId == x.Id).Min(t => (long?)t.Id),
            Kind = db.DerivedCandidates.Where(c => c.QuestionId == x.Id).Select(c => c.PerturbationKind).FirstOrDefault(),
            Before = db.DerivedCandidates.Where(c => c.QuestionId == x.Id).Select(c => c.PerturbationBefore).FirstOrDefault(),
            After = db.DerivedCandidates.Where(c => c.QuestionId == x.Id).Select(c => c.PerturbationAfter).FirstOrDefault(),
            x.KnowledgePointId,
            Disputed = x.ReferenceDisputedAt != null,
            Correct = db.Traces.Any(t => t.QuestionId == x.Id && t.Verdict == Verdict.Correct),
            Judged = db.Traces.Any(t => t.QuestionId == x.Id && t.Verdict != null),
        }).ToListAsync(ct);
        return [.. rows.Select(x => new LineageNode(x.Id, x.Origin, x.Text, x.ReferenceAnswer, x.TaskType, x.Difficulty, x.PassRate, x.Perturbation,
            x.KnowledgePoint, x.ParentTraceId, x.FirstTrace, x.Kind, x.Before, x.After, x.KnowledgePointId,
            QuestionStatuses.Of(x.Disputed, x.Correct, x.ReferenceAnswer != null, x.Judged)))];
    }
}
