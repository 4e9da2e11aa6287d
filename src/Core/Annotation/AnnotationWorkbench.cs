using System.Text.Json;
using DeepFinance.Core.Audit;
using DeepFinance.Core.Data;
using DeepFinance.Core.Extraction;
using DeepFinance.Core.Privacy.Desensitization;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Annotation;

/// <summary>
/// The expert's workbench over real-world queries: the queue, the desensitization check, annotation, and the Admin's
/// adjudication. Every status change goes through <see cref="RealWorldStates"/> and one UPDATE guarded by the version the
/// person saw, so two people never both win. Raw text leaves this class only through <see cref="ReadRawAsync"/>, which
/// answers Admins and Experts alone and writes every view to the audit log.
/// </summary>
public sealed class AnnotationWorkbench(
    IDbContextFactory<DeepFinanceDbContext> dbFactory,
    Desensitizer desensitizer,
    IRawTextProtector protector,
    AnnotationCatalog catalog,
    AuditLog audit,
    TimeProvider time)
{
    public const int MaxPageSize = 200;
    public const int MaxAnswerChars = 20_000;
    public const int MaxReasonChars = 2000;
    public const int MaxNotesChars = 4000;
    public const int MaxTextChars = 200_000;

    public async Task<(int Total, IReadOnlyList<QueryRow> Items)> QueryAsync(QueryFilter filter, Actor actor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var q = db.RealWorldQueries.AsNoTracking();
        if (filter.Status is { } status)
        {
            q = q.Where(x => x.Status == status);
        }
        if (filter.ImportId is { } import)
        {
            q = q.Where(x => x.ImportId == import);
        }
        if (!string.IsNullOrWhiteSpace(filter.Search))
        {
            var s = filter.Search.Trim();
            q = q.Where(x => x.DesensitizedText.Contains(s) || (x.Product != null && x.Product.Contains(s)) || (x.Channel != null && x.Channel.Contains(s)));
        }
        var me = actor.Name;
        if (filter.MineOnly)
        {
            q = filter.IncludeDone
                ? q.Where(x => db.ExpertAssignments.Any(a => a.QueryId == x.Id && a.Expert == me))
                : q.Where(x => db.ExpertAssignments.Any(a => a.QueryId == x.Id && a.Expert == me && !a.Done)
                    && x.Status != RealWorldQueryStatus.Approved && x.Status != RealWorldQueryStatus.Unusable && x.Status != RealWorldQueryStatus.Adjudicating);
        }
        var total = await q.CountAsync(ct);
        var size = Math.Clamp(filter.PageSize, 1, MaxPageSize);
        var ordered = filter.Descending ? q.OrderByDescending(x => x.Id) : q.OrderBy(x => x.Id);
        var rows = await ordered.Skip(Paging.Offset(filter.Page, size)).Take(size).Select(x => new
        {
            x.Id, x.ImportId, x.LineNumber, x.Status, x.Version, x.DesensitizedText, x.Channel, x.Product, x.AskedOn, Erased = x.RawProtected == null,
            Annotations = db.Annotations.Count(a => a.QueryId == x.Id && !a.IsAdjudication),
            Assigned = db.ExpertAssignments.Count(a => a.QueryId == x.Id),
            MineDone = db.ExpertAssignments.Any(a => a.QueryId == x.Id && a.Expert == me && a.Done),
            x.CreatedAt,
        }).ToListAsync(ct);
        return (total, rows.Select(r => new QueryRow(r.Id, r.ImportId, r.LineNumber, r.Status, r.Version, Preview(r.DesensitizedText), r.Channel, r.Product,
            r.AskedOn, r.Erased, r.Annotations, r.Assigned, r.MineDone, r.CreatedAt)).ToList());
    }

    /// <summary>The query without its raw text, or null.</summary>
    public async Task<QueryDetail?> GetAsync(long id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var x = await db.RealWorldQueries.AsNoTracking().FirstOrDefaultAsync(q => q.Id == id, ct);
        if (x is null)
        {
            return null;
        }
        var assigned = await db.ExpertAssignments.AsNoTracking().Where(a => a.QueryId == id).OrderBy(a => a.Id).Select(a => a.Expert).ToListAsync(ct);
        var annotations = await db.Annotations.AsNoTracking().Where(a => a.QueryId == id).OrderBy(a => a.At).ThenBy(a => a.Id).ToListAsync(ct);
        return new QueryDetail(x.Id, x.ImportId, x.LineNumber, x.Status, x.Version, x.DesensitizedText, EntitiesJson.Read(x.EntitiesJson), x.HighestSurvivingLevel,
            x.Channel, x.Product, x.AskedOn, x.RawProtected is null, x.CheckedBy, x.CheckedAt, x.QuestionId, assigned, annotations);
    }

    /// <summary>The raw text for an Admin or Expert (null once erased); every view is audited. Anyone else is refused.</summary>
    public async Task<string?> ReadRawAsync(long id, Actor actor, CancellationToken ct = default)
    {
        if (!actor.MayReadRaw)
        {
            throw new RealWorldForbiddenException("Raw query text is shown to Admins and Experts only.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.RealWorldQueries.AsNoTracking().Where(q => q.Id == id).Select(q => new { q.RawProtected, q.RawErasedAt }).FirstOrDefaultAsync(ct)
            ?? throw new KeyNotFoundException($"No query #{id}.");
        await audit.WriteAsync(actor.Name, "realworld.raw-viewed", Subject(id), after: new { erased = row.RawProtected is null }, ct: CancellationToken.None);
        return row.RawProtected is null ? null : protector.Unprotect(row.RawProtected);
    }

    /// <summary>
    /// The desensitization check. With <see cref="CheckRequest.Spans"/>, the expert's final list of personal data over the raw text
    /// (missed spans added, wrong ones dropped) is applied afresh; with <see cref="CheckRequest.Text"/>, a hand-corrected text is taken;
    /// with neither, the text is confirmed as it stands. In every case the result is scanned again: personal data that no placeholder
    /// covers is refused, except what the expert explicitly dropped as not personal, and a surviving C3 item is always refused.
    /// </summary>
    public async Task<StepOutcome> CheckAsync(long id, Actor actor, CheckRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = await db.RealWorldQueries.AsNoTracking().FirstOrDefaultAsync(q => q.Id == id, ct) ?? throw new KeyNotFoundException($"No query #{id}.");
        await RequireAssignedOrAdminAsync(db, query, actor, ct);
        Guard(query, request.Version, RealWorldStep.Check);
        var before = EntitiesJson.Read(query.EntitiesJson);
        string text;
        List<QueryEntity> entities;
        var kept = new List<string>();
        if (request.Spans is not null)
        {
            var raw = query.RawProtected is null
                ? throw new RealWorldValidationException("spans", "The raw text of this query was erased; correct the desensitized text instead.")
                : protector.Unprotect(query.RawProtected);
            var spans = ValidateSpans(request.Spans, raw.Length);
            var applied = desensitizer.Apply(raw, spans.Select(s => new EntityCandidate(s.Type, s.Start, s.End, 1.0,
                before.FirstOrDefault(b => b.Start == s.Start && b.End == s.End && b.Type == s.Type)?.Recognizer ?? "expert")).ToList());
            text = applied.Text;
            entities = applied.Entities.Select(e => new QueryEntity(e.Type, e.Level.ToString(), e.Start, e.End, e.Recognizer, e.Replacement)).ToList();
            kept = before.Where(b => !spans.Any(s => s.Start < b.End && b.Start < s.End)).Select(b => raw[b.Start..b.End]).ToList();
        }
        else if (request.Text is { } edited)
        {
            text = edited.Trim();
            if (text.Length == 0 || text.Length > MaxTextChars)
            {
                throw new RealWorldValidationException("text", $"The corrected text needs 1 to {MaxTextChars:N0} characters.");
            }
            entities = before.ToList();
        }
        else
        {
            text = query.DesensitizedText;
            entities = before.ToList();
        }
        var surviving = Rescan(text, entities, kept);
        if (surviving.FirstOrDefault(f => !f.Allowed) is { } leak)
        {
            throw new RealWorldValidationException(request.Spans is not null ? "spans" : "text",
                $"Personal data remains: {leak.Type} at characters {leak.Start}–{leak.End} of the desensitized text. Mark it, or remove it from the text.");
        }
        if (surviving.FirstOrDefault(f => f.Level == SensitivityLevel.C3) is { } c3)
        {
            throw new RealWorldValidationException(request.Spans is not null ? "spans" : "text",
                $"A C3 item ({c3.Type}) survives at characters {c3.Start}–{c3.End}; a query with C3 data cannot be approved.");
        }
        var highest = surviving.Count == 0 ? null : surviving.Max(f => f.Level).ToString();
        var to = RealWorldStates.After(id, query.Status, RealWorldStep.Check);
        var now = time.GetUtcNow();
        var updated = await db.RealWorldQueries.Where(q => q.Id == id && q.Version == request.Version && q.Status == query.Status)
            .ExecuteUpdateAsync(s => s.SetProperty(q => q.Version, q => q.Version + 1).SetProperty(q => q.Status, to)
                .SetProperty(q => q.DesensitizedText, text).SetProperty(q => q.EntitiesJson, EntitiesJson.Write(entities))
                .SetProperty(q => q.HighestSurvivingLevel, highest).SetProperty(q => q.CheckedBy, actor.Name).SetProperty(q => q.CheckedAt, now), ct);
        if (updated == 0)
        {
            throw await StaleAsync(db, id, request.Version, ct);
        }
        await audit.WriteAsync(actor.Name, "realworld.checked", Subject(id), before: new { entities = before.Count },
            after: new { entities = entities.Count, edited = request.Text is not null, kept = kept.Count, highest }, ct: CancellationToken.None);
        return new StepOutcome(id, to, request.Version + 1);
    }

    /// <summary>One expert's annotation. When the last assigned expert has annotated, the query is approved (they agree), unusable, or goes to adjudication.</summary>
    public async Task<StepOutcome> AnnotateAsync(long id, Actor actor, AnnotationRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var guideline = await catalog.ActiveGuidelineAsync(ct);
        var tags = await ValidateAsync(request, ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var query = await db.RealWorldQueries.AsNoTracking().FirstOrDefaultAsync(q => q.Id == id, ct) ?? throw new KeyNotFoundException($"No query #{id}.");
        Guard(query, request.Version, RealWorldStep.Annotate);
        var assignment = await db.ExpertAssignments.FirstOrDefaultAsync(a => a.QueryId == id && a.Expert == actor.Name, ct)
            ?? throw new RealWorldForbiddenException($"Query #{id} is not assigned to you ({actor.Name}).");
        if (assignment.Done)
        {
            throw new RealWorldConflictException($"You ({actor.Name}) already annotated query #{id}.") { CurrentStatus = query.Status, CurrentVersion = query.Version };
        }
        var now = time.GetUtcNow();
        var annotation = NewAnnotation(id, actor.Name, request, tags, guideline.Version, now, adjudication: false);
        db.Annotations.Add(annotation);
        assignment.Done = true;
        assignment.DoneAt = now;
        await db.SaveChangesAsync(ct);
        var all = await db.Annotations.AsNoTracking().Where(a => a.QueryId == id && !a.IsAdjudication).ToListAsync(ct);
        var open = await db.ExpertAssignments.CountAsync(a => a.QueryId == id && !a.Done, ct);
        var step = open > 0 ? RealWorldStep.Annotate : Consensus.Of(all) switch
        {
            null => RealWorldStep.CompleteDisagreed,
            { Usable: false } => RealWorldStep.CompleteUnusable,
            _ => RealWorldStep.CompleteAgreed,
        };
        var to = RealWorldStates.After(id, query.Status, step);
        long? questionId = null;
        if (to == RealWorldQueryStatus.Approved)
        {
            questionId = await CreateQuestionAsync(db, query, Consensus.Of(all)!, now, ct);
        }
        var updated = await db.RealWorldQueries.Where(q => q.Id == id && q.Version == request.Version && q.Status == query.Status)
            .ExecuteUpdateAsync(s => s.SetProperty(q => q.Version, q => q.Version + 1).SetProperty(q => q.Status, to).SetProperty(q => q.QuestionId, questionId), ct);
        if (updated == 0)
        {
            await tx.RollbackAsync(CancellationToken.None);
            throw await StaleAsync(db, id, request.Version, ct);
        }
        await tx.CommitAsync(CancellationToken.None);
        await audit.WriteAsync(actor.Name, "realworld.annotated", Subject(id), after: new { status = RealWorldStates.Name(to), guideline = guideline.Version, questionId },
            ct: CancellationToken.None);
        return new StepOutcome(id, to, request.Version + 1, questionId);
    }

    /// <summary>An Admin's decision on a query the experts disagreed on: it becomes the final annotation.</summary>
    public async Task<StepOutcome> AdjudicateAsync(long id, Actor actor, AnnotationRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!actor.IsAdmin)
        {
            throw new RealWorldForbiddenException("Only an Admin adjudicates.");
        }
        var guideline = await catalog.ActiveGuidelineAsync(ct);
        var tags = await ValidateAsync(request, ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var query = await db.RealWorldQueries.AsNoTracking().FirstOrDefaultAsync(q => q.Id == id, ct) ?? throw new KeyNotFoundException($"No query #{id}.");
        Guard(query, request.Version, request.Usable ? RealWorldStep.Adjudicate : RealWorldStep.AdjudicateUnusable);
        var to = RealWorldStates.After(id, query.Status, request.Usable ? RealWorldStep.Adjudicate : RealWorldStep.AdjudicateUnusable);
        var now = time.GetUtcNow();
        var final = NewAnnotation(id, actor.Name, request, tags, guideline.Version, now, adjudication: true);
        db.Annotations.Add(final);
        await db.SaveChangesAsync(ct);
        long? questionId = to == RealWorldQueryStatus.Approved ? await CreateQuestionAsync(db, query, final, now, ct) : null;
        var updated = await db.RealWorldQueries.Where(q => q.Id == id && q.Version == request.Version && q.Status == query.Status)
            .ExecuteUpdateAsync(s => s.SetProperty(q => q.Version, q => q.Version + 1).SetProperty(q => q.Status, to).SetProperty(q => q.QuestionId, questionId), ct);
        if (updated == 0)
        {
            await tx.RollbackAsync(CancellationToken.None);
            throw await StaleAsync(db, id, request.Version, ct);
        }
        await tx.CommitAsync(CancellationToken.None);
        await audit.WriteAsync(actor.Name, "realworld.adjudicated", Subject(id), after: new { status = RealWorldStates.Name(to), questionId }, ct: CancellationToken.None);
        return new StepOutcome(id, to, request.Version + 1, questionId);
    }

    /// <summary>Progress per expert: assigned, done.</summary>
    public async Task<IReadOnlyList<(string Expert, int Assigned, int Done)>> ProgressAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.ExpertAssignments.AsNoTracking().Where(a => a.QueryId != null).GroupBy(a => a.Expert)
            .Select(g => new { g.Key, Assigned = g.Count(), Done = g.Count(a => a.Done) }).OrderBy(x => x.Key).ToListAsync(ct);
        return rows.Select(r => (r.Key, r.Assigned, r.Done)).ToList();
    }

    /// <summary>The approved query as a question of origin RealWorld: desensitized text only. Its lineage makes every request from it raw-derived.</summary>
    private static async Task<long> CreateQuestionAsync(DeepFinanceDbContext db, RealWorldQuery query, Data.Annotation final, DateTimeOffset now, CancellationToken ct)
    {
        var question = new Question
        {
            Origin = QuestionOrigin.RealWorld, Text = query.DesensitizedText, ReferenceAnswer = final.ReferenceAnswer, TaskType = final.TaskType,
            TaskTypeSource = final.TaskType is null ? null : TaskTypeSource.Expert,
            TaskTypeDetail = final.TaskType is null ? null : Extraction.ClassificationPrecedence.Cut("expert " + final.Expert),
            Difficulty = final.Difficulty, DifficultySource = final.Difficulty is null ? null : DifficultySource.Expert,
            DifficultyDetail = final.Difficulty is null ? null : Extraction.ClassificationPrecedence.Cut("expert " + final.Expert),
            Language = Languages.Detect(query.DesensitizedText), CreatedAt = now,
        };
        // A usable annotation names both (ValidateAsync); should one ever be missing, the rules fill it so every question has both.
        if (question.TaskType is null)
        {
            var type = Extraction.TaskTypeClassifier.Classify(question.Text, null, question.ReferenceAnswer);
            (question.TaskType, question.TaskTypeSource, question.TaskTypeDetail) = (type.Type, TaskTypeSource.Rule, "rule: " + type.Rule);
        }
        if (question.Difficulty is null)
        {
            var guess = Extraction.DifficultyEstimator.Estimate(question.Text, null, question.ReferenceAnswer);
            (question.Difficulty, question.DifficultySource, question.DifficultyDetail) = (guess.Difficulty, DifficultySource.Rule,
                Extraction.ClassificationPrecedence.Cut("rule: " + guess.Rule));
        }
        db.Questions.Add(question);
        await db.SaveChangesAsync(ct);
        return question.Id;
    }

    private static Data.Annotation NewAnnotation(long id, string expert, AnnotationRequest r, IReadOnlyList<string> tags, int guideline, DateTimeOffset now, bool adjudication) => new()
    {
        QueryId = id, Expert = expert, IsAdjudication = adjudication, TaskType = r.TaskType, Difficulty = r.Difficulty,
        CapabilityTagsJson = JsonSerializer.Serialize(tags), ReferenceAnswer = Trim(r.ReferenceAnswer), ReferenceFromDraft = r.ReferenceFromDraft,
        Usable = r.Usable, UnusableReason = r.Usable ? null : Trim(r.UnusableReason), Notes = Trim(r.Notes), GuidelineVersion = guideline,
        ElapsedMs = Math.Max(0, r.ElapsedMs), At = now,
    };

    /// <summary>The fields an annotation needs, each refusal naming its field; the tags, checked against the managed list.</summary>
    private async Task<IReadOnlyList<string>> ValidateAsync(AnnotationRequest r, CancellationToken ct)
    {
        if (r.Usable)
        {
            if (r.TaskType is null)
            {
                throw new RealWorldValidationException("taskType", "Choose the task type.");
            }
            if (r.Difficulty is null)
            {
                throw new RealWorldValidationException("difficulty", "Choose the difficulty.");
            }
            if (string.IsNullOrWhiteSpace(r.ReferenceAnswer))
            {
                throw new RealWorldValidationException("referenceAnswer", "A usable query needs a reference answer.");
            }
        }
        else if (string.IsNullOrWhiteSpace(r.UnusableReason))
        {
            throw new RealWorldValidationException("unusableReason", "Say why the query is unusable.");
        }
        if (r.ReferenceAnswer is { Length: > MaxAnswerChars })
        {
            throw new RealWorldValidationException("referenceAnswer", $"The reference answer may be at most {MaxAnswerChars:N0} characters.");
        }
        if (r.UnusableReason is { Length: > MaxReasonChars })
        {
            throw new RealWorldValidationException("unusableReason", $"The reason may be at most {MaxReasonChars:N0} characters.");
        }
        if (r.Notes is { Length: > MaxNotesChars })
        {
            throw new RealWorldValidationException("notes", $"Notes may be at most {MaxNotesChars:N0} characters.");
        }
        var known = (await catalog.TagsAsync(false, ct)).Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var tags = (r.Tags ?? []).Select(t => t?.Trim() ?? "").Distinct(StringComparer.Ordinal).ToList();
        if (tags.FirstOrDefault(t => !known.Contains(t)) is { } unknown)
        {
            throw new RealWorldValidationException("tags", $"\"{unknown}\" is not a capability tag in use; choose from: {string.Join(", ", known.Order())}.");
        }
        tags.Sort(StringComparer.Ordinal);
        return tags;
    }

    private static List<SpanEdit> ValidateSpans(IReadOnlyList<SpanEdit> spans, int length)
    {
        var list = spans.OrderBy(s => s.Start).ToList();
        for (var i = 0; i < list.Count; i++)
        {
            var s = list[i];
            if (s is null || !EntityTypes.IsKnown(s.Type ?? ""))
            {
                throw new RealWorldValidationException($"spans[{i}].type", $"\"{s?.Type}\" is not an entity type; use one of {string.Join(", ", EntityTypes.All.Order())}.");
            }
            if (s.Start < 0 || s.End > length || s.End <= s.Start)
            {
                throw new RealWorldValidationException($"spans[{i}]", $"{s.Start}–{s.End} is not a span inside the text (0–{length}).");
            }
            if (i > 0 && s.Start < list[i - 1].End)
            {
                throw new RealWorldValidationException($"spans[{i}]", $"{s.Start}–{s.End} overlaps {list[i - 1].Start}–{list[i - 1].End}.");
            }
        }
        return list;
    }

    private sealed record Finding(string Type, int Start, int End, SensitivityLevel Level, bool Allowed);

    /// <summary>What the recognizers still find in <paramref name="text"/> outside the placeholders and surrogates written into it.</summary>
    private List<Finding> Rescan(string text, IReadOnlyList<QueryEntity> entities, IReadOnlyList<string> kept)
    {
        var covered = new List<(int Start, int End)>();
        foreach (var replacement in entities.Select(e => e.Replacement).Where(r => !string.IsNullOrEmpty(r)).Distinct())
        {
            for (var at = text.IndexOf(replacement!, StringComparison.Ordinal); at >= 0; at = text.IndexOf(replacement!, at + 1, StringComparison.Ordinal))
            {
                covered.Add((at, at + replacement!.Length));
            }
        }
        var findings = new List<Finding>();
        foreach (var f in desensitizer.Find(text, desensitizer.Options.MinimumConfidence))
        {
            if (covered.Any(c => c.Start < f.End && f.Start < c.End))
            {
                continue;
            }
            var value = text[f.Start..f.End];
            var allowed = kept.Any(k => k.Contains(value, StringComparison.Ordinal) || value.Contains(k, StringComparison.Ordinal));
            findings.Add(new Finding(f.Type, f.Start, f.End, EntityTypes.LevelOf(f.Type), allowed));
        }
        return findings;
    }

    private static async Task RequireAssignedOrAdminAsync(DeepFinanceDbContext db, RealWorldQuery query, Actor actor, CancellationToken ct)
    {
        if (actor.IsAdmin)
        {
            return;
        }
        if (!actor.IsExpert || !await db.ExpertAssignments.AnyAsync(a => a.QueryId == query.Id && a.Expert == actor.Name, ct))
        {
            throw new RealWorldForbiddenException($"Query #{query.Id} is not assigned to you ({actor.Name}).");
        }
    }

    private static void Guard(RealWorldQuery query, int version, RealWorldStep step)
    {
        if (query.Version != version)
        {
            throw new RealWorldConflictException($"Query #{query.Id} changed after you opened it (version {version}, now {query.Version}); reload it.")
            {
                CurrentStatus = query.Status, CurrentVersion = query.Version,
            };
        }
        if (!RealWorldStates.Allows(query.Status, step))
        {
            RealWorldStates.After(query.Id, query.Status, step);
        }
    }

    private static async Task<RealWorldConflictException> StaleAsync(DeepFinanceDbContext db, long id, int seen, CancellationToken ct)
    {
        var current = await db.RealWorldQueries.AsNoTracking().FirstAsync(q => q.Id == id, ct);
        return new RealWorldConflictException($"Query #{id} changed after you opened it (version {seen}, now {current.Version}, {RealWorldStates.Name(current.Status)}); reload it.")
        {
            CurrentStatus = current.Status, CurrentVersion = current.Version,
        };
    }

    private static string? Trim(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private static string Preview(string text) => text.Length <= 160 ? text : text[..160] + "…";

    internal static string Subject(long id) => $"realworld-query:{id}";
}

/// <summary>When the experts agree: same usability, and for usable queries the same task type and difficulty.</summary>
public static class Consensus
{
    /// <summary>The agreed annotation (tags chosen by more than half, the earliest reference answer), or null on disagreement.</summary>
    public static Data.Annotation? Of(IReadOnlyList<Data.Annotation> annotations)
    {
        if (annotations.Count == 0)
        {
            return null;
        }
        var first = annotations.OrderBy(a => a.At).ThenBy(a => a.Id).First();
        if (annotations.Any(a => a.Usable != first.Usable))
        {
            return null;
        }
        if (first.Usable && annotations.Any(a => a.TaskType != first.TaskType || a.Difficulty != first.Difficulty))
        {
            return null;
        }
        var tags = annotations.SelectMany(a => Tags(a)).GroupBy(t => t).Where(g => g.Count() * 2 > annotations.Count).Select(g => g.Key).Order(StringComparer.Ordinal);
        return new Data.Annotation
        {
            QueryId = first.QueryId, Expert = first.Expert, TaskType = first.TaskType, Difficulty = first.Difficulty, Usable = first.Usable,
            ReferenceAnswer = first.ReferenceAnswer, UnusableReason = first.UnusableReason, CapabilityTagsJson = JsonSerializer.Serialize(tags),
            GuidelineVersion = first.GuidelineVersion, At = first.At,
        };
    }

    public static IReadOnlyList<string> Tags(Data.Annotation a) =>
        string.IsNullOrWhiteSpace(a.CapabilityTagsJson) ? [] : JsonSerializer.Deserialize<List<string>>(a.CapabilityTagsJson) ?? [];
}
