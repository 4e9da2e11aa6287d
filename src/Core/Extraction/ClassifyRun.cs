using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using DeepFinance.Core.Data;
using DeepFinance.Core.Llm;
using DeepFinance.Core.Privacy;
using DeepFinance.Core.Prompts;
using DeepFinance.Core.Runs;
using DeepFinance.Core.Verification;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DeepFinance.Core.Extraction;

/// <summary>
/// The <c>classify</c> spec: which questions get a task type and difficulty from the classifier. By default only those
/// whose labels are missing or were guessed by the rules; with <see cref="UndecidedOnly"/> false, every question whose
/// labels the classifier may still replace (never a seed's, an expert's or an operator's: <see cref="ClassificationPrecedence"/>).
/// </summary>
public sealed record ClassifySpec
{
    public QuestionOrigin? Origin { get; init; }
    public long? SeedSourceId { get; init; }
    public IReadOnlyList<long>? QuestionIds { get; init; }
    public bool UndecidedOnly { get; init; } = true;
    /// <summary>Only the first this many questions (by id); null takes them all.</summary>
    public int? Limit { get; init; }
    public int? TemplateVersion { get; init; }
    public string? SamplingSalt { get; init; }
}

/// <summary>
/// <c>classify</c>: per question, the rules decide the obvious cases without a request (a calculation or a numeric answer
/// is Math, with the rule-based difficulty); the rest are asked with <c>classify-question</c> and the answer is checked
/// (a task type or difficulty outside the lists fails the item with the reason and the raw text; the run goes on).
/// Labels are written only where <see cref="ClassificationPrecedence"/> lets the source replace what is there, checked in
/// the same statement that writes them, so an operator's correction made during the run stands.
/// </summary>
public sealed class ClassifyRunHandler(
    IDbContextFactory<DeepFinanceDbContext> dbFactory, PromptLibrary prompts, LlmGateway gateway, IOptions<RunOptions> options) : IRunKindHandler
{
    public const string TemplateName = "classify-question";
    public const string Role = "classify";
    public const string Purpose = "classify";
    public const int MaxIds = 100_000;

    /// <summary>Rules of <see cref="TaskTypeClassifier"/> that are sure enough to skip the request.</summary>
    public static readonly IReadOnlySet<string> DecisiveRules = new HashSet<string>(StringComparer.Ordinal)
    {
        "numeric-answer", "choice-with-calculation", "calculation",
    };

    public string Kind => "classify";

    public async Task<RunPlan> PlanAsync(RunLaunch launch, SynthesizerProfile synthesizer, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(launch);
        var spec = RunSpecReading.Read<ClassifySpec>(launch.Spec);
        if (spec.Limit is < 1)
        {
            throw new RunValidationException("spec.limit", "A limit must be at least 1.");
        }
        if (spec.SamplingSalt is { Length: > 100 })
        {
            throw new RunValidationException("spec.samplingSalt", "A sampling salt may be at most 100 characters.");
        }
        if (spec.QuestionIds is { Count: > MaxIds })
        {
            throw new RunValidationException("spec.questionIds", $"At most {MaxIds} question ids; filter by origin or seed source for more.");
        }
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            if (spec.SeedSourceId is { } source && !await db.SeedSources.AnyAsync(s => s.Id == source, ct))
            {
                throw new RunValidationException("spec.seedSourceId", $"No seed source with id {source}.");
            }
            if (spec.QuestionIds is { Count: > 0 } ids)
            {
                var known = await db.Questions.Where(q => ids.Contains(q.Id)).Select(q => q.Id).ToListAsync(ct);
                var unknown = ids.Except(known).Take(10).ToList();
                if (unknown.Count > 0)
                {
                    throw new RunValidationException("spec.questionIds", $"No question with id {string.Join(", ", unknown)}.");
                }
            }
            if (!await Subjects(db, spec).AnyAsync(ct))
            {
                throw new RunValidationException("spec", spec.UndecidedOnly
                    ? "No matching question has a task type or difficulty that is missing or only guessed by the rules."
                    : "No matching question has a label the classifier may replace (seed, expert and operator labels stay).");
            }
        }
        var prompt = await prompts.GetForSpecAsync(TemplateName, spec.TemplateVersion, "spec.templateVersion", ct);
        var normalised = spec with { SamplingSalt = spec.SamplingSalt?.Trim() };
        return new RunPlan(JsonSerializer.SerializeToElement(normalised, RunJson.Options), [(Role, prompt.Id)], spec.SeedSourceId, 1,
            normalised.SamplingSalt ?? "", new RunParameters(VerificationTolerances.Default.RelativeTolerance, options.Value.DefaultPartitionSize));
    }

    public async Task<RunEstimate> EstimateAsync(RunPlan plan, SynthesizerProfile synthesizer, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(synthesizer);
        var spec = plan.Spec.Deserialize<ClassifySpec>(RunJson.Options) ?? new ClassifySpec();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var count = await Subjects(db, spec).CountAsync(ct);
        // An upper bound: questions the rules decide send nothing. A label is a short JSON object.
        var promptTokens = count * 700L;
        var completionTokens = count * 80L;
        return new RunEstimate(count, count, promptTokens, completionTokens,
            SynthesizerProfile.CostOf(promptTokens, completionTokens, synthesizer.InputPricePerMillion, synthesizer.OutputPricePerMillion),
            synthesizer.Simulated);
    }

    public async IAsyncEnumerable<RunItemSeed> CreateItemsAsync(RunContext run, [EnumeratorCancellation] CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(run);
        var spec = run.SpecAs<ClassifySpec>();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await foreach (var id in Subjects(db, spec).AsAsyncEnumerable().WithCancellation(ct))
        {
            yield return new RunItemSeed(id.ToString(CultureInfo.InvariantCulture), id);
        }
    }

    public async Task<IPartitionWork> OpenPartitionAsync(RunContext run, IReadOnlyList<RunItemRef> items, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(items);
        var ids = items.Select(i => i.SubjectId).Distinct().ToList();
        Dictionary<long, Question> questions;
        IReadOnlyDictionary<long, RequestProvenance> provenance;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            questions = await db.Questions.AsNoTracking().Where(q => ids.Contains(q.Id)).ToDictionaryAsync(q => q.Id, ct);
            provenance = await QuestionProvenance.OfManyAsync(db, ids, ct);
        }
        var prompt = await prompts.GetByIdAsync(run.Prompt(Role), ct);
        return new ClassifyWork(run, prompt, prompts, gateway, questions, provenance);
    }

    /// <summary>The questions a spec covers, in id order: never one whose two labels the classifier may not replace.</summary>
    public static IQueryable<long> Subjects(DeepFinanceDbContext db, ClassifySpec spec)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(spec);
        var typeSources = Enum.GetValues<TaskTypeSource>().Where(s => ClassificationPrecedence.MayOverwrite(s, TaskTypeSource.Classifier))
            .Select(s => (TaskTypeSource?)s).ToList();
        var difficultySources = Enum.GetValues<DifficultySource>().Where(s => ClassificationPrecedence.MayOverwrite(s, DifficultySource.Classifier))
            .Select(s => (DifficultySource?)s).ToList();
        var questions = db.Questions.AsNoTracking().Where(q =>
            q.TaskTypeSource == null || typeSources.Contains(q.TaskTypeSource) || q.DifficultySource == null || difficultySources.Contains(q.DifficultySource));
        if (spec.UndecidedOnly)
        {
            questions = questions.Where(q => q.TaskType == null || q.TaskTypeSource == null || q.TaskTypeSource == TaskTypeSource.Rule
                || q.Difficulty == null || q.DifficultySource == null || q.DifficultySource == DifficultySource.Rule);
        }
        if (spec.Origin is { } origin)
        {
            questions = questions.Where(q => q.Origin == origin);
        }
        if (spec.SeedSourceId is { } source)
        {
            questions = questions.Where(q => q.SeedItemId != null && db.SeedItems.Any(i => i.Id == q.SeedItemId && i.SeedSourceId == source));
        }
        if (spec.QuestionIds is { Count: > 0 } ids)
        {
            questions = questions.Where(q => ids.Contains(q.Id));
        }
        var ordered = questions.Select(q => q.Id).OrderBy(id => id);
        return spec.Limit is { } n ? ordered.Take(n) : ordered;
    }
}

/// <summary>A partition of <c>classify</c> items: rules first, then one request per open question.</summary>
public sealed class ClassifyWork(
    RunContext run, PromptVersion prompt, PromptLibrary prompts, LlmGateway gateway,
    IReadOnlyDictionary<long, Question> questions, IReadOnlyDictionary<long, RequestProvenance> provenance) : IPartitionWork
{
    /// <summary>Raw answer text kept in a failed item's reason.</summary>
    public const int RawKept = 600;

    public async Task<ItemResult> ProcessAsync(RunItemRef item, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (!questions.TryGetValue(item.SubjectId, out var question))
        {
            return ItemResult.Failed($"question {item.SubjectId} no longer exists");
        }
        var rule = TaskTypeClassifier.Classify(question.Text, question.Options, question.ReferenceAnswer);
        if (ClassifyRunHandler.DecisiveRules.Contains(rule.Rule))
        {
            var guess = DifficultyEstimator.Estimate(question.Text, question.Options, question.ReferenceAnswer);
            return new ItemResult([]) { Rows = [new LabelRow(question.Id, rule.Type, TaskTypeSource.Rule, "rule: " + rule.Rule,
                guess.Difficulty, DifficultySource.Rule, "rule: " + guess.Rule)] };
        }

        // Unknown lineage fails closed: the privacy gate treats it as raw-derived and refuses an external synthesizer.
        var from = provenance.GetValueOrDefault(question.Id, RequestProvenance.RawDerived);
        var profile = run.Synthesizer;
        var request = BuildRequest(prompts, prompt, question, profile.Name, run.Run.SamplingSalt, from);
        var hash = RequestHasher.Hash(profile, request);
        LlmResult answer;
        try
        {
            answer = await gateway.CompleteAsync(profile, request, ct, hash: hash);
        }
        catch (Exception e) when (e is LlmCallException or PrivacyGateException)
        {
            return ItemResult.Failed(e.Message);
        }
        var content = answer.Completion.Content;
        ClassifierLabel label;
        try
        {
            label = ClassificationOutput.Read(content);
        }
        catch (MalformedOutputException e)
        {
            return new ItemResult([], $"malformed classifier answer: {e.Message}; raw: {Cut(content, RawKept)}", answer.FromStore);
        }
        var by = $"{profile.Model} · {prompt.Name} v{prompt.Version}" + (label.Reason.Length > 0 ? ": " + label.Reason : "");
        return new ItemResult([], null, answer.FromStore)
        {
            Rows = [new LabelRow(question.Id, label.TaskType, TaskTypeSource.Classifier, by, label.Difficulty, DifficultySource.Classifier, by)],
        };
    }

    /// <summary>What the classifier template renders from: the run and the prompts page's preview both build it here.</summary>
    public static Dictionary<string, object?> Model(Question question)
    {
        ArgumentNullException.ThrowIfNull(question);
        return new Dictionary<string, object?>
        {
            ["question"] = question.Text,
            ["options"] = Synthesis.CotSampler.OptionsModel(question),
            ["reference"] = question.ReferenceAnswer ?? "",
            ["language"] = question.Language,
            ["task_types"] = string.Join(", ", TaskTypes.Names),
        };
    }

    /// <summary>The chat request for one question's labels; its hash is the key its answer is stored under.</summary>
    public static LlmRequest BuildRequest(PromptLibrary prompts, PromptVersion prompt, Question question, string synthesizer, string salt, RequestProvenance from)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        return new LlmRequest(synthesizer, prompts.Render(prompt, Model(question)), 0, $"{salt}|{ClassifyRunHandler.Purpose}", ClassifyRunHandler.Purpose, from,
            JsonSchema: ClassificationOutput.Schema, Temperature: 0);
    }

    private static string Cut(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    /// <summary>
    /// Writes the labels where the precedence table lets their source replace what is stored, decided inside the same
    /// statement, so a correction committed meanwhile is never overwritten.
    /// </summary>
    private sealed class LabelRow(long questionId, TaskType type, TaskTypeSource typeSource, string typeDetail,
        Difficulty difficulty, DifficultySource difficultySource, string difficultyDetail) : IResultRow
    {
        private const string Sql = """
            UPDATE "Questions" SET
                "TaskType" = CASE WHEN "TaskTypeSource" IS NULL OR "TaskTypeSource" IN (SELECT value FROM json_each($p1)) THEN $p2 ELSE "TaskType" END,
                "TaskTypeDetail" = CASE WHEN "TaskTypeSource" IS NULL OR "TaskTypeSource" IN (SELECT value FROM json_each($p1)) THEN $p4 ELSE "TaskTypeDetail" END,
                "TaskTypeSource" = CASE WHEN "TaskTypeSource" IS NULL OR "TaskTypeSource" IN (SELECT value FROM json_each($p1)) THEN $p3 ELSE "TaskTypeSource" END,
                "Difficulty" = CASE WHEN "DifficultySource" IS NULL OR "DifficultySource" IN (SELECT value FROM json_each($p5)) THEN $p6 ELSE "Difficulty" END,
                "DifficultyDetail" = CASE WHEN "DifficultySource" IS NULL OR "DifficultySource" IN (SELECT value FROM json_each($p5)) THEN $p8 ELSE "DifficultyDetail" END,
                "DifficultySource" = CASE WHEN "DifficultySource" IS NULL OR "DifficultySource" IN (SELECT value FROM json_each($p5)) THEN $p7 ELSE "DifficultySource" END
            WHERE "Id" = $p0
            """;

        public void Insert(WriteBatch batch, IReadOnlyList<long> traceIds)
        {
            ArgumentNullException.ThrowIfNull(batch);
            batch.Execute(Sql, questionId,
                JsonSerializer.Serialize(ClassificationPrecedence.Replaceable(typeSource)), type.ToString(), typeSource.ToString(),
                ClassificationPrecedence.Cut(typeDetail),
                JsonSerializer.Serialize(ClassificationPrecedence.Replaceable(difficultySource)), difficulty.ToString(), difficultySource.ToString(),
                ClassificationPrecedence.Cut(difficultyDetail));
        }
    }
}
