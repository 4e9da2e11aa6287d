using DeepFinance.Core.Audit;
using DeepFinance.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Annotation;

/// <summary>The annotation guidelines (Markdown, versioned) and the managed list of capability tags.</summary>
public sealed class AnnotationCatalog(IDbContextFactory<DeepFinanceDbContext> dbFactory, AuditLog audit, TimeProvider time)
{
    public const int MaxGuidelineChars = 100_000;
    public const int MaxTagChars = 100;

    /// <summary>The first guideline, in place until an Admin publishes another version.</summary>
    public const string DefaultGuideline = """
        # Annotating real-world queries

        1. **Check the desensitization first.** Compare the desensitized text with the raw text. Every name, number, address or
           account that points at a person must be replaced; amounts, rates, terms, stock and fund codes and public product names stay.
        2. **Task type**: the one of the six that best describes what the customer wants answered.
        3. **Difficulty**: *simple* when one fact answers it, *medium* when it takes a few steps, *hard* when it needs calculation over
           several facts, a regulation's fine print or judgement.
        4. **Capability tags**: every capability an answer needs.
        5. **Reference answer**: what a careful bank employee would answer, without any personal data.
        6. **Unusable** when the query asks nothing answerable, depends on facts only the customer's account holds, or cannot be
           desensitized without losing its meaning; say why.
        """;

    public static readonly IReadOnlyList<(string Name, string Zh)> DefaultTags =
    [
        ("calculation", "计算"), ("regulation", "法规理解"), ("product-knowledge", "产品知识"), ("risk-assessment", "风险评估"),
        ("terminology", "术语解释"), ("compliance", "合规判断"),
    ];

    public async Task<AnnotationGuideline> ActiveGuidelineAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var latest = await db.AnnotationGuidelines.AsNoTracking().OrderByDescending(g => g.Version).FirstOrDefaultAsync(ct);
        if (latest is not null)
        {
            return latest;
        }
        var first = new AnnotationGuideline { Version = 1, Markdown = DefaultGuideline, CreatedBy = "system", CreatedAt = time.GetUtcNow() };
        db.AnnotationGuidelines.Add(first);
        try
        {
            await db.SaveChangesAsync(ct);
            return first;
        }
        catch (DbUpdateException)
        {
            // Another request seeded it first.
            await using var again = await dbFactory.CreateDbContextAsync(ct);
            return await again.AnnotationGuidelines.AsNoTracking().OrderByDescending(g => g.Version).FirstAsync(ct);
        }
    }

    public async Task<IReadOnlyList<AnnotationGuideline>> GuidelinesAsync(CancellationToken ct = default)
    {
        await ActiveGuidelineAsync(ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.AnnotationGuidelines.AsNoTracking().OrderByDescending(g => g.Version).ToListAsync(ct);
    }

    /// <summary>A new version (Admin); annotations made from now on record it.</summary>
    public async Task<AnnotationGuideline> PublishGuidelineAsync(string markdown, Actor actor, CancellationToken ct = default)
    {
        RequireAdmin(actor);
        var text = markdown?.Trim() ?? "";
        if (text.Length == 0 || text.Length > MaxGuidelineChars)
        {
            throw new RealWorldValidationException("markdown", $"The guideline needs 1 to {MaxGuidelineChars:N0} characters of Markdown.");
        }
        var current = await ActiveGuidelineAsync(ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var next = new AnnotationGuideline { Version = current.Version + 1, Markdown = text, CreatedBy = actor.Name, CreatedAt = time.GetUtcNow() };
        db.AnnotationGuidelines.Add(next);
        await db.SaveChangesAsync(ct);
        await audit.WriteAsync(actor.Name, "guideline.published", $"guideline:{next.Version}", after: new { version = next.Version, chars = text.Length }, ct: CancellationToken.None);
        return next;
    }

    public async Task<IReadOnlyList<CapabilityTag>> TagsAsync(bool includeRetired = false, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await db.CapabilityTags.AnyAsync(ct))
        {
            db.CapabilityTags.AddRange(DefaultTags.Select(t => new CapabilityTag { Name = t.Name, NameZh = t.Zh }));
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                db.ChangeTracker.Clear();
            }
        }
        var q = db.CapabilityTags.AsNoTracking();
        if (!includeRetired)
        {
            q = q.Where(t => !t.Retired);
        }
        return await q.OrderBy(t => t.Name).ToListAsync(ct);
    }

    public async Task<CapabilityTag> AddTagAsync(string name, string? nameZh, Actor actor, CancellationToken ct = default)
    {
        RequireAdmin(actor);
        var n = name?.Trim() ?? "";
        if (n.Length == 0 || n.Length > MaxTagChars)
        {
            throw new RealWorldValidationException("name", $"A tag needs a name of 1 to {MaxTagChars} characters.");
        }
        var zh = string.IsNullOrWhiteSpace(nameZh) ? null : nameZh.Trim();
        if (zh is { Length: > MaxTagChars })
        {
            throw new RealWorldValidationException("nameZh", $"The Chinese name may be at most {MaxTagChars} characters.");
        }
        await TagsAsync(false, ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.CapabilityTags.AnyAsync(t => t.Name == n, ct))
        {
            throw new RealWorldValidationException("name", $"A tag named \"{n}\" exists already.");
        }
        var tag = new CapabilityTag { Name = n, NameZh = zh };
        db.CapabilityTags.Add(tag);
        await db.SaveChangesAsync(ct);
        await audit.WriteAsync(actor.Name, "capability-tag.added", $"capability-tag:{tag.Id}", after: new { name = n, nameZh = zh }, ct: CancellationToken.None);
        return tag;
    }

    /// <summary>Retires (or brings back) a tag: past annotations keep it, new ones cannot choose it.</summary>
    public async Task<bool> SetRetiredAsync(long id, bool retired, Actor actor, CancellationToken ct = default)
    {
        RequireAdmin(actor);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var changed = await db.CapabilityTags.Where(t => t.Id == id).ExecuteUpdateAsync(s => s.SetProperty(t => t.Retired, retired), ct);
        if (changed > 0)
        {
            await audit.WriteAsync(actor.Name, retired ? "capability-tag.retired" : "capability-tag.restored", $"capability-tag:{id}", ct: CancellationToken.None);
        }
        return changed > 0;
    }

    private static void RequireAdmin(Actor actor)
    {
        if (!actor.IsAdmin)
        {
            throw new RealWorldForbiddenException("Only an Admin manages guidelines and capability tags.");
        }
    }
}
