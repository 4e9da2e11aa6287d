using DeepFinance.Core.Audit;
using DeepFinance.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Review;

/// <summary>
/// Settling a reference a reviewer disputed: an Operator or Expert confirms it as it stands or corrects it. Either
/// way the question returns to datasets, and its disputed reviews go back to the queue to be decided against the
/// settled reference.
/// </summary>
public sealed class ReferenceDisputes(IDbContextFactory<DeepFinanceDbContext> dbFactory, AuditLog audit, TimeProvider time)
{
    public const int MaxReferenceLength = 4000;

    /// <param name="correctedReference">Null or blank to confirm the reference as it is.</param>
    /// <returns>False when the question's reference was not disputed (nothing to settle).</returns>
    public async Task<bool> SettleAsync(long questionId, string actor, string? correctedReference, CancellationToken ct = default)
    {
        var corrected = string.IsNullOrWhiteSpace(correctedReference) ? null : correctedReference.Trim();
        if (corrected is { Length: > MaxReferenceLength })
        {
            throw new ReviewValidationException("reference", $"A reference answer may be at most {MaxReferenceLength} characters.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var question = await db.Questions.AsNoTracking().FirstOrDefaultAsync(q => q.Id == questionId, ct)
            ?? throw new KeyNotFoundException($"No question #{questionId}.");
        var before = question.ReferenceAnswer;
        var settled = corrected is null
            ? await db.Questions.Where(q => q.Id == questionId && q.ReferenceDisputedAt != null)
                .ExecuteUpdateAsync(s => s.SetProperty(q => q.ReferenceDisputedAt, (DateTimeOffset?)null), ct)
            : await db.Questions.Where(q => q.Id == questionId && q.ReferenceDisputedAt != null)
                .ExecuteUpdateAsync(s => s.SetProperty(q => q.ReferenceDisputedAt, (DateTimeOffset?)null).SetProperty(q => q.ReferenceAnswer, corrected), ct);
        if (settled == 0)
        {
            return false;
        }
        var reopened = await db.Reviews.Where(r => r.QuestionId == questionId && r.Status == ReviewStatus.Disputed)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, ReviewStatus.Pending).SetProperty(r => r.Version, r => r.Version + 1)
                .SetProperty(r => r.DecidedAt, (DateTimeOffset?)null), ct);
        await tx.CommitAsync(CancellationToken.None);
        await audit.WriteAsync(actor, corrected is null ? "question.reference-confirmed" : "question.reference-corrected", $"question:{questionId}",
            before: new { reference = before }, after: new { reference = corrected ?? before, reviewsReopened = reopened, at = time.GetUtcNow() },
            ct: CancellationToken.None);
        return true;
    }
}
