using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using DeepFinance.Core.Curation;
using DeepFinance.Core.Data;
using DeepFinance.Core.Llm;
using DeepFinance.Core.Prompts;
using DeepFinance.Core.Runs;
using DeepFinance.Core.Synthesis;
using DeepFinance.Core.Verification;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DeepFinance.Core.Extraction;

/// <summary>What the two derived kinds share: spec checks, prompts by role, estimates, completion (pass rates of new questions).</summary>
public abstract class DerivedRunHandler<TSpec>(
    IDbContextFactory<DeepFinanceDbContext> dbFactory,
    SynthesizerCatalog catalog,
    PromptLibrary prompts,
    LlmGateway gateway,
    AnswerVerifier verifier,
    CotSampler sampler,
    IDuplicateDetector detector,
    QuestionStatistics statistics,
    IOptions<RunOptions> options,
    KnowledgePointMerger? merger = null) : IRunKindHandler where TSpec : DerivedSettings, new()
{
    public const string GenerateRole = "generate";
    public const int MaxIds = 100_000;

    public abstract string Kind { get; }

    protected abstract QuestionOrigin Origin { get; }

    protected abstract string Template { get; }

    /// <summary>Proposals one item asks for, at most (for the estimate).</summary>
    protected abstract int ProposalsPerItem(TSpec spec);

    /// <summary>Checks the kind's own fields (throwing <see cref="RunValidationException"/>) and returns the spec as stored.</summary>
    protected abstract Task<TSpec> CheckAsync(DeepFinanceDbContext db, TSpec spec, CancellationToken ct);

    /// <summary>The ids of the run's subjects (questions for a2q, traces for t2q), in id order.</summary>
    protected abstract IQueryable<long> Subjects(DeepFinanceDbContext db, TSpec spec);

    protected IDbContextFactory<DeepFinanceDbContext> DbFactory => dbFactory;

    public async Task<RunPlan> PlanAsync(RunLaunch launch, SynthesizerProfile synthesizer, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(launch);
        var spec = RunSpecReading.Read<TSpec>(launch.Spec);
        if (spec.SamplesToVerify < 1 || spec.SamplesToVerify > options.Value.MaxSamplesPerQuestion)
        {
            throw new RunValidationException("spec.samplesToVerify", $"Samples to verify must be between 1 and {options.Value.MaxSamplesPerQuestion}.");
        }
        if (spec.AgreeAtLeast < 1 || spec.AgreeAtLeast > spec.SamplesToVerify)
        {
            throw new RunValidationException("spec.agreeAtLeast", $"Agreeing samples must be between 1 and the samples to verify ({spec.SamplesToVerify}).");
        }
        if (spec.Limit is < 1)
        {
            throw new RunValidationException("spec.limit", "A limit must be at least 1.");
        }
        if (spec.SamplingSalt is { Length: > 100 })
        {
            throw new RunValidationException("spec.samplingSalt", "A sampling salt may be at most 100 characters.");
        }
        if (spec.RelativeTolerance is < 0 or > 0.5)
        {
            throw new RunValidationException("spec.relativeTolerance", "Relative tolerance must be between 0 and 0.5.");
        }
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            spec = await CheckAsync(db, spec, ct);
            if (!await Subjects(db, spec).AnyAsync(ct))
            {
                throw new RunValidationException("spec", Origin == QuestionOrigin.A2Q
                    ? "No verified question with a reference matches (verified: at least one correct first answer; reference not disputed)."
                    : "No verified trace matches (a correct answer to a question whose reference is not disputed).");
            }
        }
        var generate = await prompts.GetForSpecAsync(Template, spec.TemplateVersion, "spec.templateVersion", ct);
        var sample = await prompts.GetForSpecAsync(PromptLibrary.CotSample, spec.SampleTemplateVersion, "spec.sampleTemplateVersion", ct);
        var rolePrompts = new List<(string, long)> { (GenerateRole, generate.Id), (SamplingPlanner.SampleRole, sample.Id) };
        string? judge = null;
        long? judgePromptId = null;
        if (!string.IsNullOrWhiteSpace(spec.Judge))
        {
            judge = (await catalog.FindAsync(spec.Judge.Trim(), ct)
                ?? throw new RunValidationException("spec.judge", $"No synthesizer named '{spec.Judge.Trim()}' to act as judge.")).Name;
            judgePromptId = (await prompts.GetAsync(PromptLibrary.AnswerJudge, null, ct)).Id;
            rolePrompts.Add((SamplingPlanner.JudgeRole, judgePromptId.Value));
        }
        var parameters = new RunParameters(spec.RelativeTolerance ?? VerificationTolerances.Default.RelativeTolerance,
            options.Value.DefaultPartitionSize, judge, judgePromptId);
        var normalised = spec with { SamplingSalt = spec.SamplingSalt?.Trim() };
        return new RunPlan(JsonSerializer.SerializeToElement(normalised, RunJson.Options), rolePrompts, null, spec.SamplesToVerify,
            normalised.SamplingSalt ?? "", parameters);
    }

    public async Task<RunEstimate> EstimateAsync(RunPlan plan, SynthesizerProfile synthesizer, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(synthesizer);
        var spec = plan.Spec.Deserialize<TSpec>(RunJson.Options) ?? new TSpec();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var count = await Subjects(db, spec).CountAsync(ct);
        var avgCompletion = await db.LlmResponses.Where(r => r.SynthesizerName == synthesizer.Name)
            .Select(r => (double?)r.CompletionTokens).AverageAsync(ct) ?? synthesizer.MaxTokens / 4.0;
        // An upper bound: every proposal passes its checks and is sampled k times.
        var requests = count * (1 + ProposalsPerItem(spec) * spec.SamplesToVerify);
        var promptTokens = (long)(requests * 600.0);
        var completionTokens = (long)(requests * avgCompletion);
        return new RunEstimate(count, requests, promptTokens, completionTokens,
            SynthesizerProfile.CostOf(promptTokens, completionTokens, synthesizer.InputPricePerMillion, synthesizer.OutputPricePerMillion),
            synthesizer.Simulated);
    }

    public async IAsyncEnumerable<RunItemSeed> CreateItemsAsync(RunContext run, [EnumeratorCancellation] CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(run);
        var spec = run.SpecAs<TSpec>();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await foreach (var id in Subjects(db, spec).AsAsyncEnumerable().WithCancellation(ct))
        {
            yield return new RunItemSeed(id.ToString(CultureInfo.InvariantCulture), id);
        }
    }

    public async Task<IPartitionWork> OpenPartitionAsync(RunContext run, IReadOnlyList<RunItemRef> items, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(run);
        return await DerivedWork.OpenAsync(run, Origin, run.SpecAs<TSpec>(), items, dbFactory, prompts, gateway, verifier, sampler, detector, GenerateRole, ct, merger);
    }

    /// <summary>Pass rate and difficulty of the questions this run created, from the samples that verified them.</summary>
    public Task CompletedAsync(RunContext run, CancellationToken ct) => statistics.UpdateForRunAsync(run.RunId, ct);

    protected static async Task CheckRunAsync(DeepFinanceDbContext db, long? runId, CancellationToken ct)
    {
        if (runId is { } id && !await db.Runs.AnyAsync(r => r.Id == id, ct))
        {
            throw new RunValidationException("spec.sourceRunId", $"No run with id {id}.");
        }
    }

    protected static IQueryable<long> Limit(IQueryable<long> ids, int? limit) => limit is { } n ? ids.OrderBy(x => x).Take(n) : ids.OrderBy(x => x);
}

/// <summary><c>a2q</c>: counterfactual variants of verified questions, each verified by sampling before it joins the pool.</summary>
public sealed class A2qRunHandler(
    IDbContextFactory<DeepFinanceDbContext> dbFactory, SynthesizerCatalog catalog, PromptLibrary prompts, LlmGateway gateway, AnswerVerifier verifier,
    CotSampler sampler, IDuplicateDetector detector, QuestionStatistics statistics, IOptions<RunOptions> options)
    : DerivedRunHandler<A2qSpec>(dbFactory, catalog, prompts, gateway, verifier, sampler, detector, statistics, options)
{
    public const string TemplateName = "a2q-generate";
    public const int MaxVariants = 10;

    public override string Kind => "a2q";

    protected override QuestionOrigin Origin => QuestionOrigin.A2Q;

    protected override string Template => TemplateName;

    protected override int ProposalsPerItem(A2qSpec spec) => spec.VariantsPerQuestion;

    protected override async Task<A2qSpec> CheckAsync(DeepFinanceDbContext db, A2qSpec spec, CancellationToken ct)
    {
        if (spec.VariantsPerQuestion is < 1 or > MaxVariants)
        {
            throw new RunValidationException("spec.variantsPerQuestion", $"Variants per question must be between 1 and {MaxVariants}.");
        }
        var kinds = (spec.Kinds ?? []).Select(k => k.Trim().ToLowerInvariant()).Where(k => k.Length > 0).Distinct().ToList();
        var unknown = kinds.FirstOrDefault(k => !RejectReasons.PerturbationKinds.Contains(k));
        if (unknown is not null)
        {
            throw new RunValidationException("spec.kinds", $"Unknown perturbation kind '{unknown}'; use {string.Join(", ", RejectReasons.PerturbationKinds)}.");
        }
        if (spec.QuestionIds is { Count: > MaxIds })
        {
            throw new RunValidationException("spec.questionIds", $"At most {MaxIds} question ids; use a source run for more.");
        }
        await CheckRunAsync(db, spec.SourceRunId, ct);
        if (spec.QuestionIds is { Count: > 0 } ids)
        {
            var eligible = await Eligible(db, spec with { SourceRunId = null, Origin = null, Limit = null }).ToListAsync(ct);
            var refused = ids.Except(eligible).Take(10).ToList();
            if (refused.Count > 0)
            {
                throw new RunValidationException("spec.questionIds",
                    $"Not a verified question with a reference (or its reference is disputed): {string.Join(", ", refused)}.");
            }
        }
        return spec with { Kinds = kinds.Count == 0 ? null : kinds };
    }

    protected override IQueryable<long> Subjects(DeepFinanceDbContext db, A2qSpec spec) => Limit(Eligible(db, spec), spec.Limit);

    /// <summary>Verified questions with a reference: at least one correct first answer, the reference not disputed.</summary>
    public static IQueryable<long> Eligible(DeepFinanceDbContext db, A2qSpec spec)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(spec);
        var questions = db.Questions.AsNoTracking().Where(q => q.ReferenceAnswer != null && q.ReferenceDisputedAt == null
            && db.Traces.Any(t => t.QuestionId == q.Id && t.Round == 0 && t.Verdict == Verdict.Correct));
        if (spec.Origin is { } origin)
        {
            questions = questions.Where(q => q.Origin == origin);
        }
        if (spec.SourceRunId is { } run)
        {
            questions = questions.Where(q => db.Traces.Any(t => t.QuestionId == q.Id && t.RunId == run));
        }
        if (spec.QuestionIds is { Count: > 0 } ids)
        {
            questions = questions.Where(q => ids.Contains(q.Id));
        }
        return questions.Select(q => q.Id);
    }
}

/// <summary><c>t2q</c>: knowledge points mined from verified reasoning, each turned into questions verified by sampling.</summary>
public sealed class T2qRunHandler(
    IDbContextFactory<DeepFinanceDbContext> dbFactory, SynthesizerCatalog catalog, PromptLibrary prompts, LlmGateway gateway, AnswerVerifier verifier,
    CotSampler sampler, IDuplicateDetector detector, QuestionStatistics statistics, IOptions<RunOptions> options, KnowledgePointMerger merger)
    : DerivedRunHandler<T2qSpec>(dbFactory, catalog, prompts, gateway, verifier, sampler, detector, statistics, options, merger)
{
    public const string TemplateName = "t2q-mine";
    public const int MaxPoints = 10;
    public const int MaxPerPoint = 5;

    public override string Kind => "t2q";

    protected override QuestionOrigin Origin => QuestionOrigin.T2Q;

    protected override string Template => TemplateName;

    protected override int ProposalsPerItem(T2qSpec spec) => spec.PointsPerTrace * spec.QuestionsPerPoint;

    protected override async Task<T2qSpec> CheckAsync(DeepFinanceDbContext db, T2qSpec spec, CancellationToken ct)
    {
        if (spec.PointsPerTrace is < 1 or > MaxPoints)
        {
            throw new RunValidationException("spec.pointsPerTrace", $"Knowledge points per trace must be between 1 and {MaxPoints}.");
        }
        if (spec.QuestionsPerPoint is < 1 or > MaxPerPoint)
        {
            throw new RunValidationException("spec.questionsPerPoint", $"Questions per knowledge point must be between 1 and {MaxPerPoint}.");
        }
        if (spec.TraceIds is { Count: > MaxIds })
        {
            throw new RunValidationException("spec.traceIds", $"At most {MaxIds} trace ids; use a source run for more.");
        }
        await CheckRunAsync(db, spec.SourceRunId, ct);
        if (spec.TraceIds is { Count: > 0 } ids)
        {
            var eligible = await Verified(db).Where(t => ids.Contains(t.Id)).Select(t => t.Id).ToListAsync(ct);
            var refused = ids.Except(eligible).Take(10).ToList();
            if (refused.Count > 0)
            {
                throw new RunValidationException("spec.traceIds", $"Not a verified trace (correct answer, reference not disputed): {string.Join(", ", refused)}.");
            }
        }
        return spec;
    }

    protected override IQueryable<long> Subjects(DeepFinanceDbContext db, T2qSpec spec) => Limit(Eligible(db, spec), spec.Limit);

    /// <summary>One verified trace per question (its first): mining the same reasoning twice finds the same points.</summary>
    public static IQueryable<long> Eligible(DeepFinanceDbContext db, T2qSpec spec)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(spec);
        var traces = Verified(db);
        if (spec.SourceRunId is { } run)
        {
            traces = traces.Where(t => t.RunId == run);
        }
        if (spec.TraceIds is { Count: > 0 } ids)
        {
            return traces.Where(t => ids.Contains(t.Id)).Select(t => t.Id);
        }
        return traces.GroupBy(t => t.QuestionId).Select(g => g.Min(t => t.Id));
    }

    private static IQueryable<CotTrace> Verified(DeepFinanceDbContext db) => db.Traces.AsNoTracking()
        .Where(t => t.Status == TraceStatus.Succeeded && t.Verdict == Verdict.Correct && t.Reasoning != null
            && db.Questions.Any(q => q.Id == t.QuestionId && q.ReferenceAnswer != null && q.ReferenceDisputedAt == null));
}
