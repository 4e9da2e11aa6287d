using DeepFinance.Core.Audit;
using DeepFinance.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Release;

/// <summary>What resolving a hit left behind: the hit, and the release's status after it.</summary>
public sealed record PiiResolution(long HitId, PiiHitStatus HitStatus, ReleaseStatus ReleaseStatus, int OpenHits);

/// <summary>
/// Resolves a release's PII hits: a fix replaces the value in the release's frozen copy of the text with the
/// desensitizer's replacement; a waiver keeps it, with a reason. Both are audited. When no hit is open the release
/// becomes Ready, and from then on it is immutable.
/// </summary>
public sealed class ReleasePiiReview(IDbContextFactory<DeepFinanceDbContext> dbFactory, ReleasePiiScanner scanner, AuditLog audit, TimeProvider time)
{
    public Task<PiiResolution> FixAsync(long releaseId, long hitId, string actor, CancellationToken ct = default) =>
        ResolveAsync(releaseId, hitId, actor, null, ct);

    public Task<PiiResolution> WaiveAsync(long releaseId, long hitId, string? reason, string actor, CancellationToken ct = default)
    {
        var trimmed = reason?.Trim() ?? "";
        if (trimmed.Length == 0)
        {
            throw new ReleaseValidationException("reason", "Say why this hit may stay in the release.");
        }
        if (trimmed.Length > ReleaseRules.MaxWaiverChars)
        {
            throw new ReleaseValidationException("reason", $"The reason is longer than {ReleaseRules.MaxWaiverChars} characters.");
        }
        return ResolveAsync(releaseId, hitId, actor, trimmed, ct);
    }

    private async Task<PiiResolution> ResolveAsync(long releaseId, long hitId, string actor, string? waiverReason, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var release = await db.Releases.SingleOrDefaultAsync(r => r.Id == releaseId, ct)
            ?? throw new KeyNotFoundException($"release {releaseId}");
        var hit = await db.ReleasePiiHits.SingleOrDefaultAsync(h => h.Id == hitId && h.ReleaseId == releaseId, ct)
            ?? throw new KeyNotFoundException($"PII hit {hitId} of release {releaseId}");
        if (!ReleaseRules.CanChange(release.Status))
        {
            throw new ReleaseConflictException($"Release {release.Version} is Ready and immutable; cut a new version to change it.");
        }
        if (hit.Status != PiiHitStatus.Open)
        {
            throw new ReleaseConflictException($"Hit {hit.Id} was already {hit.Status.ToString().ToLowerInvariant()} by {hit.ResolvedBy} at {hit.ResolvedAt:u}.");
        }

        string? replacement = null;
        if (waiverReason is null)
        {
            replacement = await ReplaceAsync(db, hit, ct);
            hit.Status = PiiHitStatus.Fixed;
        }
        else
        {
            hit.Status = PiiHitStatus.Waived;
            hit.WaiverReason = waiverReason;
        }
        hit.ResolvedBy = actor;
        hit.ResolvedAt = time.GetUtcNow();
        await db.SaveChangesAsync(ct);
        var open = await db.ReleasePiiHits.CountAsync(h => h.ReleaseId == releaseId && h.Status == PiiHitStatus.Open, ct);
        release.Status = ReleaseRules.StatusFor(open);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);

        // The audit names the hit by type, field and masked context, never the personal value itself.
        await audit.WriteAsync(actor, waiverReason is null ? "release.pii-fixed" : "release.pii-waived", $"release:{releaseId}", after: new
        {
            hit = hit.Id, hit.QuestionId, hit.TraceId, hit.Field, hit.EntityType, hit.Context, replacement, reason = waiverReason,
            releaseStatus = release.Status.ToString(),
        }, ct: CancellationToken.None);
        return new PiiResolution(hit.Id, hit.Status, release.Status, open);
    }

    /// <summary>Replaces the hit's span in the frozen text and moves the offsets of the open hits after it.</summary>
    private async Task<string> ReplaceAsync(DeepFinanceDbContext db, ReleasePiiHit hit, CancellationToken ct)
    {
        List<ReleaseItem> items;
        string? text;
        if (hit.Field == ReleasePiiScanner.QuestionField)
        {
            items = await db.ReleaseItems.Where(i => i.ReleaseId == hit.ReleaseId && i.QuestionId == hit.QuestionId).ToListAsync(ct);
            text = items.Select(i => i.QuestionText).FirstOrDefault(t => t is not null)
                ?? await db.Questions.Where(q => q.Id == hit.QuestionId).Select(q => q.Text).SingleAsync(ct);
        }
        else
        {
            var item = await db.ReleaseItems.SingleAsync(i => i.ReleaseId == hit.ReleaseId && i.TraceId == hit.TraceId, ct);
            items = [item];
            var trace = await db.Traces.AsNoTracking().Where(t => t.Id == hit.TraceId).Select(t => new { t.Reasoning, t.Answer }).SingleAsync(ct);
            text = hit.Field == ReleasePiiScanner.ReasoningField ? item.Reasoning ?? trace.Reasoning : item.Answer ?? trace.Answer;
        }
        if (text is null || hit.Start < 0 || hit.Start + hit.Length > text.Length)
        {
            throw new ReleaseConflictException($"Hit {hit.Id} no longer lies inside the {hit.Field} text; waive it or cut a new release.");
        }
        var replacement = scanner.ReplacementFor(text, hit.Start, hit.Length, hit.EntityType);
        var fixedText = string.Concat(text.AsSpan(0, hit.Start), replacement, text.AsSpan(hit.Start + hit.Length));
        foreach (var item in items)
        {
            switch (hit.Field)
            {
                case ReleasePiiScanner.QuestionField: item.QuestionText = fixedText; break;
                case ReleasePiiScanner.ReasoningField: item.Reasoning = fixedText; break;
                default: item.Answer = fixedText; break;
            }
        }
        var delta = replacement.Length - hit.Length;
        if (delta != 0)
        {
            var later = await db.ReleasePiiHits.Where(h => h.ReleaseId == hit.ReleaseId && h.QuestionId == hit.QuestionId && h.TraceId == hit.TraceId
                && h.Field == hit.Field && h.Id != hit.Id && h.Start > hit.Start).ToListAsync(ct);
            foreach (var h in later)
            {
                h.Start += delta;
            }
        }
        return replacement;
    }
}
