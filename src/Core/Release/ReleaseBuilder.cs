using DeepFinance.Core.Audit;
using DeepFinance.Core.Curation;
using DeepFinance.Core.Data;
using DeepFinance.Core.Review;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Release;

/// <summary>
/// Cuts a release: takes the dataset candidates (<see cref="DatasetCandidates"/>, the one membership rule) inside the
/// selection, leaves out withheld categories, contaminated questions and duplicates, scans what stays for personal
/// data, and freezes it into <see cref="ReleaseItem"/> rows. Candidates are read and written in batches, so memory
/// holds one batch and (with dedup on) the duplicate index, never the release. Every candidate in scope that does not
/// enter is recorded with its reason code.
/// </summary>
public sealed class ReleaseBuilder(IDbContextFactory<DeepFinanceDbContext> dbFactory, DatasetCandidates candidates, IDuplicateDetector detector,
    ReleasePiiScanner scanner, QualityScreen quality, AuditLog audit, TimeProvider time)
{
    public const int BatchSize = 500;

    /// <summary>Which question a duplicate cluster keeps: seed questions first, then real-world, then generated variants; then age.</summary>
    public static readonly IReadOnlyList<string> OriginPriority = [nameof(QuestionOrigin.Q2A), nameof(QuestionOrigin.RealWorld), nameof(QuestionOrigin.T2Q), nameof(QuestionOrigin.A2Q)];

    public async Task<Data.Release> CutAsync(ReleaseRequest request, string actor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var selection = request.Selection ?? new ReleaseSelection();
        var version = (request.Version ?? "").Trim();
        await ValidateAsync(request, version, selection, ct);

        Data.Release release;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            var previous = await db.Releases.AsNoTracking().Where(r => r.Status != ReleaseStatus.Draft)
                .OrderByDescending(r => r.Id).Select(r => new { r.Id, r.Version }).FirstOrDefaultAsync(ct);
            release = new Data.Release
            {
                Version = version,
                Title = string.IsNullOrWhiteSpace(request.Title) ? null : request.Title.Trim(),
                License = string.IsNullOrWhiteSpace(request.License) ? null : request.License.Trim(),
                Status = ReleaseStatus.Draft,
                SelectionJson = SelectionJson.Write(selection),
                PreviousReleaseId = previous?.Id,
                Changelog = string.IsNullOrWhiteSpace(request.Notes) ? null : request.Notes.Trim(),
                CreatedBy = actor,
                CreatedAt = time.GetUtcNow(),
            };
            db.Releases.Add(release);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                throw new ReleaseValidationException("version", $"A release with version '{version}' already exists.");
            }
        }

        try
        {
            await FreezeAsync(release, selection, ct);
        }
        catch
        {
            // All or nothing: a cut that fails leaves no half release behind.
            await DeleteAsync(release.Id);
            throw;
        }

        await audit.WriteAsync(actor, "release.cut", $"release:{release.Id}", after: new
        {
            release.Version, Status = release.Status.ToString(), release.QuestionCount, release.TraceCount, release.ExcludedCount,
        }, ct: CancellationToken.None);
        return release;
    }

    private async Task ValidateAsync(ReleaseRequest request, string version, ReleaseSelection selection, CancellationToken ct)
    {
        if (version.Length == 0)
        {
            throw new ReleaseValidationException("version", "Give the release a version, e.g. 1.0.0.");
        }
        if (!ReleaseRules.IsValidVersion(version))
        {
            throw new ReleaseValidationException("version",
                $"Version '{version}' must be at most {ReleaseRules.MaxVersionChars} letters, digits, '.', '-', '_' or '+'.");
        }
        if (request.Title?.Trim().Length > ReleaseRules.MaxTitleChars)
        {
            throw new ReleaseValidationException("title", $"The title is longer than {ReleaseRules.MaxTitleChars} characters.");
        }
        if (request.Notes?.Trim().Length > ReleaseRules.MaxNotesChars)
        {
            throw new ReleaseValidationException("notes", $"The notes are longer than {ReleaseRules.MaxNotesChars} characters.");
        }
        if (request.License?.Trim().Length > 200)
        {
            throw new ReleaseValidationException("license", "The licence is longer than 200 characters.");
        }
        if (selection.MinPassRate is { } rate && (double.IsNaN(rate) || rate < 0 || rate > 1))
        {
            throw new ReleaseValidationException("selection.minPassRate", $"The least pass rate must lie between 0 and 1, not {rate}.");
        }
        if (!Enum.IsDefined(selection.Pii))
        {
            throw new ReleaseValidationException("selection.pii", "The PII policy must be block or exclude.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.Releases.AnyAsync(r => r.Version == version, ct))
        {
            throw new ReleaseValidationException("version", $"A release with version '{version}' already exists; releases are immutable, so pick a new version.");
        }
        var runIds = selection.Runs.Distinct().ToList();
        var knownRuns = await db.Runs.Where(r => runIds.Contains(r.Id)).Select(r => r.Id).ToListAsync(ct);
        if (runIds.Except(knownRuns).FirstOrDefault() is var missingRun && runIds.Count != knownRuns.Count)
        {
            throw new ReleaseValidationException("selection.runs", $"Run {missingRun} does not exist.");
        }
        var sourceIds = selection.SeedSources.Distinct().ToList();
        var knownSources = await db.SeedSources.Where(s => sourceIds.Contains(s.Id)).Select(s => s.Id).ToListAsync(ct);
        if (sourceIds.Except(knownSources).FirstOrDefault() is var missingSource && sourceIds.Count != knownSources.Count)
        {
            throw new ReleaseValidationException("selection.seedSources", $"Seed source {missingSource} does not exist.");
        }
    }

    private async Task FreezeAsync(Data.Release release, ReleaseSelection selection, CancellationToken ct)
    {
        var duplicates = selection.Dedup ? await FindDuplicatesAsync(selection, ct) : [];
        var stats = new StatsCounter();
        var scannedQuestions = new HashSet<long>();
        var questionsWithPii = new HashSet<long>();

        await foreach (var batch in Batches(candidates.StreamAsync(ct), ct))
        {
            var meta = await BatchMeta.LoadAsync(dbFactory, batch.Select(c => (c.TraceId, c.QuestionId)).ToList(), selection, withContamination: true, ct);
            var items = new List<ReleaseItem>();
            var exclusions = new List<ReleaseExclusion>();
            var hits = new List<ReleasePiiHit>();
            foreach (var c in batch)
            {
                var q = meta.Questions[c.QuestionId];
                if (!meta.InScope(c.TraceId, q, selection))
                {
                    continue;
                }
                string? reason = null, detail = null;
                if (q.TaskType is { } type && selection.Withheld.Contains(type))
                {
                    (reason, detail) = (ExclusionReasons.Withheld, $"task type {type} withheld");
                }
                else if (meta.Contamination.TryGetValue(q.Id, out var hit))
                {
                    (reason, detail) = (ExclusionReasons.Contaminated, hit);
                }
                else if (duplicates.TryGetValue(q.Id, out var keptId))
                {
                    (reason, detail) = (ExclusionReasons.Duplicate, $"duplicate of question {keptId}");
                }
                else if (selection.Quality
                    && quality.Check(new QualityInput(q.Text, c.Reasoning, c.Answer, c.FinishReason, q.TaskType, q.Language)) is { Count: > 0 } flags)
                {
                    (reason, detail) = (ExclusionReasons.Quality, string.Join("; ", flags.Select(f => $"{f.Code}: {f.Detail}")));
                }
                else
                {
                    var findings = new List<PiiFinding>();
                    var questionFindings = Array.Empty<PiiFinding>() as IReadOnlyList<PiiFinding>;
                    if (scannedQuestions.Add(q.Id))
                    {
                        questionFindings = scanner.Scan(ReleasePiiScanner.QuestionField, q.Text);
                        if (questionFindings.Count > 0)
                        {
                            questionsWithPii.Add(q.Id);
                        }
                    }
                    findings.AddRange(scanner.Scan(ReleasePiiScanner.ReasoningField, c.Reasoning));
                    findings.AddRange(scanner.Scan(ReleasePiiScanner.AnswerField, c.Answer));
                    if (selection.Pii == PiiPolicy.Exclude && (findings.Count > 0 || questionsWithPii.Contains(q.Id)))
                    {
                        var types = findings.Concat(questionFindings).Select(f => $"{f.Field}:{f.EntityType}").Distinct();
                        (reason, detail) = (ExclusionReasons.Pii, questionsWithPii.Contains(q.Id) && findings.Count == 0
                            ? "personal data in the question" : "personal data in " + string.Join(", ", types));
                    }
                    else
                    {
                        hits.AddRange(questionFindings.Select(f => Hit(release.Id, q.Id, null, f)));
                        hits.AddRange(findings.Select(f => Hit(release.Id, q.Id, c.TraceId, f)));
                        var review = c.ReviewId is { } rid ? meta.Reviews.GetValueOrDefault(rid) : null;
                        items.Add(new ReleaseItem
                        {
                            ReleaseId = release.Id, TraceId = c.TraceId, QuestionId = q.Id,
                            Kind = c.Kind == CandidateKind.AcceptedRewrite ? ReleaseItemKind.AcceptedRewrite : ReleaseItemKind.Verified,
                            ReviewId = c.ReviewId, OriginalTraceId = review?.OriginalTraceId,
                            // A reviewer's fix is the text this release carries; otherwise the trace's own text.
                            Reasoning = c.Fixed ? c.Reasoning : null,
                            Answer = c.Fixed ? c.Answer : null,
                        });
                        stats.Count(q, c.Kind, review?.OriginalTraceId is not null);
                    }
                }
                if (reason is not null)
                {
                    exclusions.Add(new ReleaseExclusion { ReleaseId = release.Id, QuestionId = q.Id, TraceId = c.TraceId, ReasonCode = reason, Detail = Clip(detail) });
                    stats.Exclude(reason);
                }
            }
            await WriteAsync(items, exclusions, hits, ct);
        }

        await foreach (var batch in Batches(candidates.StreamLeftOutAsync(ct), ct))
        {
            var meta = await BatchMeta.LoadAsync(dbFactory, batch.Select(c => (c.TraceId, c.QuestionId)).ToList(), selection, withContamination: false, ct);
            var exclusions = new List<ReleaseExclusion>();
            foreach (var c in batch)
            {
                if (meta.InScope(c.TraceId, meta.Questions[c.QuestionId], selection))
                {
                    exclusions.Add(new ReleaseExclusion { ReleaseId = release.Id, QuestionId = c.QuestionId, TraceId = c.TraceId, ReasonCode = c.ReasonCode, Detail = Clip(c.Detail) });
                    stats.Exclude(c.ReasonCode);
                }
            }
            await WriteAsync([], exclusions, [], ct);
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var changes = await ChangesAsync(db, release, ct);
        var open = await db.ReleasePiiHits.CountAsync(h => h.ReleaseId == release.Id && h.Status == PiiHitStatus.Open, ct);
        release.QuestionCount = await db.ReleaseItems.Where(i => i.ReleaseId == release.Id).Select(i => i.QuestionId).Distinct().CountAsync(ct);
        release.TraceCount = stats.Traces;
        release.PairCount = stats.Pairs;
        release.ExcludedCount = stats.Excluded;
        release.StatsJson = stats.ToStats(changes).ToJson();
        release.Changelog = Changelog(release.Changelog, changes);
        release.Status = ReleaseRules.StatusFor(open);
        await db.Releases.Where(r => r.Id == release.Id).ExecuteUpdateAsync(s => s
            .SetProperty(r => r.QuestionCount, release.QuestionCount)
            .SetProperty(r => r.TraceCount, release.TraceCount)
            .SetProperty(r => r.PairCount, release.PairCount)
            .SetProperty(r => r.ExcludedCount, release.ExcludedCount)
            .SetProperty(r => r.StatsJson, release.StatsJson)
            .SetProperty(r => r.Changelog, release.Changelog)
            .SetProperty(r => r.Status, release.Status), ct);
    }

    /// <summary>Clusters the questions of the candidates in scope; returns each dropped question with the question kept for it.</summary>
    private async Task<Dictionary<long, long>> FindDuplicatesAsync(ReleaseSelection selection, CancellationToken ct)
    {
        var clustering = detector.StartClustering();
        var added = new HashSet<long>();
        await foreach (var batch in Batches(candidates.StreamAsync(ct), ct))
        {
            var meta = await BatchMeta.LoadAsync(dbFactory, batch.Select(c => (c.TraceId, c.QuestionId)).ToList(), selection, withContamination: true, ct);
            foreach (var c in batch)
            {
                var q = meta.Questions[c.QuestionId];
                // Withheld and contaminated questions are out anyway: they must not be the one a cluster keeps.
                if (!meta.InScope(c.TraceId, q, selection) || (q.TaskType is { } t && selection.Withheld.Contains(t))
                    || meta.Contamination.ContainsKey(q.Id) || !added.Add(q.Id))
                {
                    continue;
                }
                clustering.Add(new DedupItem(q.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), q.Text)
                {
                    Origin = q.Origin.ToString(), Verified = true, CreatedAt = q.CreatedAt,
                });
            }
        }
        var result = clustering.Finish(KeepRule.ByOriginVerifiedAge(OriginPriority));
        return result.Assignments.Where(a => !a.Kept).ToDictionary(a => long.Parse(a.Id, System.Globalization.CultureInfo.InvariantCulture),
            a => long.Parse(a.ClusterId, System.Globalization.CultureInfo.InvariantCulture));
    }

    private async Task WriteAsync(List<ReleaseItem> items, List<ReleaseExclusion> exclusions, List<ReleasePiiHit> hits, CancellationToken ct)
    {
        if (items.Count + exclusions.Count + hits.Count == 0)
        {
            return;
        }
        await BusyRetry.RunAsync(async () =>
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            db.ReleaseItems.AddRange(items);
            db.ReleaseExclusions.AddRange(exclusions);
            db.ReleasePiiHits.AddRange(hits);
            await db.SaveChangesAsync(ct);
        }, ct);
    }

    private async Task DeleteAsync(long releaseId)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        await db.ReleasePiiHits.Where(h => h.ReleaseId == releaseId).ExecuteDeleteAsync();
        await db.ReleaseExclusions.Where(h => h.ReleaseId == releaseId).ExecuteDeleteAsync();
        await db.ReleaseItems.Where(h => h.ReleaseId == releaseId).ExecuteDeleteAsync();
        await db.Releases.Where(r => r.Id == releaseId).ExecuteDeleteAsync();
    }

    private static async Task<ReleaseChanges?> ChangesAsync(DeepFinanceDbContext db, Data.Release release, CancellationToken ct)
    {
        if (release.PreviousReleaseId is not { } prev)
        {
            return null;
        }
        var id = release.Id;
        var previousVersion = await db.Releases.Where(r => r.Id == prev).Select(r => r.Version).FirstOrDefaultAsync(ct);
        var addedTraces = await db.ReleaseItems.CountAsync(i => i.ReleaseId == id && !db.ReleaseItems.Any(p => p.ReleaseId == prev && p.TraceId == i.TraceId), ct);
        var removedTraces = await db.ReleaseItems.CountAsync(p => p.ReleaseId == prev && !db.ReleaseItems.Any(i => i.ReleaseId == id && i.TraceId == p.TraceId), ct);
        var addedQuestions = await db.ReleaseItems.Where(i => i.ReleaseId == id).Select(i => i.QuestionId).Distinct()
            .CountAsync(q => !db.ReleaseItems.Any(p => p.ReleaseId == prev && p.QuestionId == q), ct);
        var removedQuestions = await db.ReleaseItems.Where(p => p.ReleaseId == prev).Select(p => p.QuestionId).Distinct()
            .CountAsync(q => !db.ReleaseItems.Any(i => i.ReleaseId == id && i.QuestionId == q), ct);
        return new ReleaseChanges(prev, previousVersion, addedTraces, removedTraces, addedQuestions, removedQuestions);
    }

    private static string Changelog(string? notes, ReleaseChanges? changes)
    {
        var line = changes is null
            ? "First release."
            : $"Against {changes.PreviousVersion}: {changes.AddedTraces} traces added, {changes.RemovedTraces} removed; "
              + $"{changes.AddedQuestions} questions added, {changes.RemovedQuestions} removed.";
        return string.IsNullOrWhiteSpace(notes) ? line : notes + "\n\n" + line;
    }

    private static ReleasePiiHit Hit(long releaseId, long questionId, long? traceId, PiiFinding f) => new()
    {
        ReleaseId = releaseId, QuestionId = questionId, TraceId = traceId, Field = f.Field, EntityType = f.EntityType, Level = f.Level,
        Start = f.Start, Length = f.Length, Context = f.Context.Length > 400 ? f.Context[..400] : f.Context, Status = PiiHitStatus.Open,
    };

    private static string? Clip(string? text) => text is { Length: > 1000 } ? text[..1000] : text;

    private static async IAsyncEnumerable<List<T>> Batches<T>(IAsyncEnumerable<T> source, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var batch = new List<T>(BatchSize);
        await foreach (var item in source.WithCancellation(ct))
        {
            batch.Add(item);
            if (batch.Count == BatchSize)
            {
                yield return batch;
                batch = new List<T>(BatchSize);
            }
        }
        if (batch.Count > 0)
        {
            yield return batch;
        }
    }

    private sealed class StatsCounter
    {
        private readonly Dictionary<string, int> _taskType = [], _difficulty = [], _kind = [], _language = [], _origin = [], _excluded = [];

        public int Traces { get; private set; }
        public int Pairs { get; private set; }
        public int Excluded { get; private set; }

        public void Count(QuestionInfo q, CandidateKind kind, bool pair)
        {
            Traces++;
            Pairs += pair ? 1 : 0;
            Add(_taskType, q.TaskType?.ToString() ?? "Unknown");
            Add(_difficulty, q.Difficulty?.ToString() ?? "Unknown");
            Add(_kind, kind == CandidateKind.AcceptedRewrite ? nameof(ReleaseItemKind.AcceptedRewrite) : nameof(ReleaseItemKind.Verified));
            Add(_language, q.Language.StartsWith("zh", StringComparison.OrdinalIgnoreCase) ? "zh" : q.Language.StartsWith("en", StringComparison.OrdinalIgnoreCase) ? "en" : q.Language);
            Add(_origin, q.Origin.ToString());
        }

        public void Exclude(string reason)
        {
            Excluded++;
            Add(_excluded, reason);
        }

        public ReleaseStats ToStats(ReleaseChanges? changes) => new()
        {
            ByTaskType = _taskType, ByDifficulty = _difficulty, ByKind = _kind, ByLanguage = _language, ByOrigin = _origin,
            ExcludedByReason = _excluded, Changes = changes,
        };

        private static void Add(Dictionary<string, int> counts, string key) => counts[key] = counts.GetValueOrDefault(key) + 1;
    }
}

/// <summary>What a release's selection looks at in a question.</summary>
internal sealed record QuestionInfo(long Id, string Text, QuestionOrigin Origin, TaskType? TaskType, Difficulty? Difficulty, double? PassRate,
    string Language, DateTimeOffset CreatedAt, long? SeedItemId, long? ParentQuestionId)
{
    public long? SeedSourceId { get; set; }
}

internal sealed record ReviewInfo(long Id, long RewriteTraceId, long OriginalTraceId);

/// <summary>One batch's questions, runs, reviews and contamination, loaded with a handful of queries.</summary>
internal sealed class BatchMeta
{
    public Dictionary<long, QuestionInfo> Questions { get; private init; } = [];
    public Dictionary<long, long> TraceRuns { get; private init; } = [];
    public Dictionary<long, ReviewInfo> Reviews { get; private init; } = [];
    public Dictionary<long, long> OriginalByRewrite { get; private init; } = [];
    public Dictionary<long, string> Contamination { get; private init; } = [];

    public static async Task<BatchMeta> LoadAsync(IDbContextFactory<DeepFinanceDbContext> dbFactory, IReadOnlyList<(long TraceId, long QuestionId)> rows,
        ReleaseSelection selection, bool withContamination, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var questionIds = rows.Select(r => r.QuestionId).Distinct().ToList();
        var traceIds = rows.Select(r => r.TraceId).Distinct().ToList();
        var questions = await db.Questions.AsNoTracking().Where(q => questionIds.Contains(q.Id))
            .Select(q => new QuestionInfo(q.Id, q.Text, q.Origin, q.TaskType, q.Difficulty, q.PassRate, q.Language, q.CreatedAt, q.SeedItemId, q.ParentQuestionId))
            .ToDictionaryAsync(q => q.Id, ct);
        var reviews = await db.Reviews.AsNoTracking().Where(r => traceIds.Contains(r.RewriteTraceId))
            .Select(r => new ReviewInfo(r.Id, r.RewriteTraceId, r.OriginalTraceId)).ToListAsync(ct);
        var runTraceIds = traceIds.Concat(reviews.Select(r => r.OriginalTraceId)).Distinct().ToList();
        var traceRuns = selection.Runs.Count == 0 ? [] : await db.Traces.AsNoTracking().Where(t => runTraceIds.Contains(t.Id))
            .Select(t => new { t.Id, t.RunId }).ToDictionaryAsync(t => t.Id, t => t.RunId, ct);
        var meta = new BatchMeta
        {
            Questions = questions,
            TraceRuns = traceRuns,
            Reviews = reviews.ToDictionary(r => r.Id),
            OriginalByRewrite = reviews.GroupBy(r => r.RewriteTraceId).ToDictionary(g => g.Key, g => g.First().OriginalTraceId),
        };
        if (selection.SeedSources.Count > 0)
        {
            await ResolveSeedSourcesAsync(db, questions.Values, ct);
        }
        if (withContamination)
        {
            var hits = await db.ContaminationHits.AsNoTracking().Where(h => questionIds.Contains(h.QuestionId))
                .OrderByDescending(h => h.Score).Select(h => new { h.QuestionId, h.BenchmarkItemId, h.Method, h.Score }).ToListAsync(ct);
            foreach (var h in hits)
            {
                meta.Contamination.TryAdd(h.QuestionId,
                    $"benchmark item {h.BenchmarkItemId} ({h.Method}, score {h.Score.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)})");
            }
        }
        return meta;
    }

    /// <summary>Whether a trace of question <paramref name="q"/> is inside the selection (withheld categories are in scope: they are recorded).</summary>
    public bool InScope(long traceId, QuestionInfo q, ReleaseSelection selection)
    {
        if (selection.TaskTypes.Count > 0 && (q.TaskType is not { } type || !selection.TaskTypes.Contains(type)))
        {
            return false;
        }
        if (selection.Difficulties.Count > 0 && (q.Difficulty is not { } difficulty || !selection.Difficulties.Contains(difficulty)))
        {
            return false;
        }
        if (selection.MinPassRate is { } min && (q.PassRate is not { } rate || rate < min))
        {
            return false;
        }
        if (selection.SeedSources.Count > 0 && (q.SeedSourceId is not { } source || !selection.SeedSources.Contains(source)))
        {
            return false;
        }
        if (selection.Runs.Count > 0)
        {
            // A rewrite belongs to the run it was written in and to the run whose flawed answer it corrects.
            var inRun = TraceRuns.TryGetValue(traceId, out var run) && selection.Runs.Contains(run);
            if (!inRun && OriginalByRewrite.TryGetValue(traceId, out var original))
            {
                inRun = TraceRuns.TryGetValue(original, out var originalRun) && selection.Runs.Contains(originalRun);
            }
            if (!inRun)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>A question's seed source is its own seed item's, or its nearest ancestor's (A2Q and T2Q variants).</summary>
    private static async Task ResolveSeedSourcesAsync(DeepFinanceDbContext db, IEnumerable<QuestionInfo> questions, CancellationToken ct)
    {
        var seedOf = questions.ToDictionary(q => q.Id, q => q.SeedItemId);
        var ancestor = questions.Where(q => q.SeedItemId is null && q.ParentQuestionId is not null).ToDictionary(q => q.Id, q => q.ParentQuestionId!.Value);
        for (var depth = 0; depth < 16 && ancestor.Count > 0; depth++)
        {
            var parentIds = ancestor.Values.Distinct().ToList();
            var parents = await db.Questions.AsNoTracking().Where(q => parentIds.Contains(q.Id))
                .Select(q => new { q.Id, q.SeedItemId, q.ParentQuestionId }).ToDictionaryAsync(q => q.Id, ct);
            foreach (var (child, parent) in ancestor.ToList())
            {
                if (!parents.TryGetValue(parent, out var p))
                {
                    ancestor.Remove(child);
                }
                else if (p.SeedItemId is not null || p.ParentQuestionId is null)
                {
                    seedOf[child] = p.SeedItemId;
                    ancestor.Remove(child);
                }
                else
                {
                    ancestor[child] = p.ParentQuestionId.Value;
                }
            }
        }
        var seedItemIds = seedOf.Values.OfType<long>().Distinct().ToList();
        var sources = await db.SeedItems.AsNoTracking().Where(s => seedItemIds.Contains(s.Id)).Select(s => new { s.Id, s.SeedSourceId })
            .ToDictionaryAsync(s => s.Id, s => s.SeedSourceId, ct);
        foreach (var q in questions)
        {
            q.SeedSourceId = seedOf[q.Id] is { } item && sources.TryGetValue(item, out var source) ? source : null;
        }
    }
}
