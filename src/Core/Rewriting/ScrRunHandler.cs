using System.Runtime.CompilerServices;
using System.Text.Json;
using DeepFinance.Core.Data;
using DeepFinance.Core.Llm;
using DeepFinance.Core.Prompts;
using DeepFinance.Core.Runs;
using DeepFinance.Core.Synthesis;
using DeepFinance.Core.Verification;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DeepFinance.Core.Rewriting;

/// <summary>
/// <c>scr</c>: self-correction rewriting. Each item is one failed trace; it goes through up to <c>maxRounds</c>
/// rounds of reflection (sees the reference, must not reveal it) and rewrite (never sees it), each verified again.
/// Every round is stored as a trace; a verified last round also creates a pending <see cref="Review"/>.
/// </summary>
public sealed class ScrRunHandler(
    IDbContextFactory<DeepFinanceDbContext> dbFactory,
    SynthesizerCatalog catalog,
    PromptLibrary prompts,
    LlmGateway gateway,
    AnswerVerifier verifier,
    IOptions<RunOptions> runOptions,
    IOptions<RewritingOptions> options) : IRunKindHandler
{
    public const string ReflectRole = "reflect";
    public const string RewriteRole = "rewrite";
    public const string ReflectTemplate = "scr-reflect";
    public const string RewriteTemplate = "scr-rewrite";
    public const int DefaultMaxRounds = 3;
    public const int MaxTraceIds = 100_000;

    public string Kind => "scr";

    public async Task<RunPlan> PlanAsync(RunLaunch launch, SynthesizerProfile synthesizer, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(launch);
        var spec = RunSpecReading.Read<ScrSpec>(launch.Spec);
        if (spec.MaxRounds < 1 || spec.MaxRounds > options.Value.MaxRounds)
        {
            throw new RunValidationException("spec.maxRounds", $"Max rounds must be between 1 and {options.Value.MaxRounds}.");
        }
        if (spec.SourceRunId is null && spec.TraceIds is not { Count: > 0 } && spec.Filter is null)
        {
            throw new RunValidationException("spec.sourceRunId", "Choose a source run, trace ids or a filter over failed traces.");
        }
        if (spec.TraceIds is { Count: > MaxTraceIds })
        {
            throw new RunValidationException("spec.traceIds", $"At most {MaxTraceIds} trace ids; use a source run or a filter for more.");
        }
        if (spec.SamplingSalt is { Length: > 100 })
        {
            throw new RunValidationException("spec.samplingSalt", "A sampling salt may be at most 100 characters.");
        }
        if (spec.RelativeTolerance is < 0 or > 0.5)
        {
            throw new RunValidationException("spec.relativeTolerance", "Relative tolerance must be between 0 and 0.5.");
        }
        var patterns = spec.LeakPatterns ?? [];
        for (var i = 0; i < patterns.Count; i++)
        {
            try
            {
                LeakScreen.Compile(patterns[i]);
            }
            catch (ArgumentException e)
            {
                throw new RunValidationException($"spec.leakPatterns[{i}]", $"Not a valid regular expression: {e.Message}");
            }
        }
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            if (spec.SourceRunId is { } source && !await db.Runs.AnyAsync(r => r.Id == source, ct))
            {
                throw new RunValidationException("spec.sourceRunId", $"No run with id {source}.");
            }
            if (spec.TraceIds is { Count: > 0 } ids)
            {
                var eligible = await Eligible(db, spec with { SourceRunId = null, Filter = null }).Select(t => t.Id).ToListAsync(ct);
                var refused = ids.Except(eligible).Take(10).ToList();
                if (refused.Count > 0)
                {
                    throw new RunValidationException("spec.traceIds",
                        $"Not a failed trace or a sent-back rewrite (or its question's reference is disputed): {string.Join(", ", refused)}.");
                }
            }
            if (!await Eligible(db, spec).AnyAsync(ct))
            {
                throw new RunValidationException(spec.SourceRunId is not null ? "spec.sourceRunId" : "spec.filter",
                    "No failed trace to rewrite matches (a failed trace: status succeeded, verdict incorrect, first answer, reference not disputed).");
            }
        }
        var reflect = await prompts.GetForSpecAsync(ReflectTemplate, spec.ReflectTemplateVersion, "spec.reflectTemplateVersion", ct);
        var rewrite = await prompts.GetForSpecAsync(RewriteTemplate, spec.RewriteTemplateVersion, "spec.rewriteTemplateVersion", ct);
        var rolePrompts = new List<(string, long)> { (RewriteRole, rewrite.Id), (ReflectRole, reflect.Id) };
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
            runOptions.Value.DefaultPartitionSize, judge, judgePromptId);
        var normalised = spec with { SamplingSalt = spec.SamplingSalt?.Trim() };
        return new RunPlan(JsonSerializer.SerializeToElement(normalised, RunJson.Options), rolePrompts, null, 1, normalised.SamplingSalt ?? "", parameters);
    }

    public async Task<RunEstimate> EstimateAsync(RunPlan plan, SynthesizerProfile synthesizer, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(synthesizer);
        var spec = plan.Spec.Deserialize<ScrSpec>(RunJson.Options) ?? new ScrSpec();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var traces = Eligible(db, spec);
        var count = await traces.CountAsync(ct);
        var avgChars = await traces.Select(t => (double?)((t.Reasoning ?? "").Length + (t.Answer ?? "").Length)).AverageAsync(ct) ?? 0;
        var avgCompletion = await db.LlmResponses.Where(r => r.SynthesizerName == synthesizer.Name)
            .Select(r => (double?)r.CompletionTokens).AverageAsync(ct) ?? synthesizer.MaxTokens / 4.0;
        // An upper bound: every item runs every round (two requests each), and each round's prompt carries the thinking so far.
        var requests = count * 2 * spec.MaxRounds;
        var promptTokens = (long)(requests * (avgChars / 2.0 + 400));
        var completionTokens = (long)(requests * avgCompletion);
        return new RunEstimate(count, requests, promptTokens, completionTokens,
            SynthesizerProfile.CostOf(promptTokens, completionTokens, synthesizer.InputPricePerMillion, synthesizer.OutputPricePerMillion),
            synthesizer.Simulated);
    }

    public async IAsyncEnumerable<RunItemSeed> CreateItemsAsync(RunContext run, [EnumeratorCancellation] CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(run);
        var spec = run.SpecAs<ScrSpec>();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await foreach (var id in Eligible(db, spec).OrderBy(t => t.Id).Select(t => t.Id).AsAsyncEnumerable().WithCancellation(ct))
        {
            yield return new RunItemSeed(id.ToString(System.Globalization.CultureInfo.InvariantCulture), id);
        }
    }

    public async Task<IPartitionWork> OpenPartitionAsync(RunContext run, IReadOnlyList<RunItemRef> items, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(run);
        var spec = run.SpecAs<ScrSpec>();
        var screen = new LeakScreen(options.Value.LeakPatterns.Concat(spec.LeakPatterns ?? []));
        return await ScrWork.OpenAsync(run, spec, items, dbFactory, prompts, gateway, verifier, screen, ct);
    }

    /// <summary>
    /// The traces an scr spec takes. By source run or filter: first answers (round 0) that were answered but verified
    /// incorrect. By id: such a trace of any round, or a rewrite whose review a reviewer sent back. Never a question
    /// whose reference is disputed: rewriting towards a doubtful reference would teach the wrong thing.
    /// </summary>
    public static IQueryable<CotTrace> Eligible(DeepFinanceDbContext db, ScrSpec spec)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(spec);
        var traces = db.Traces.AsNoTracking();
        if (spec.TraceIds is { Count: > 0 } ids)
        {
            traces = traces.Where(t => ids.Contains(t.Id) && t.Status == TraceStatus.Succeeded
                && (t.Verdict == Verdict.Incorrect || db.Reviews.Any(r => r.RewriteTraceId == t.Id && r.Status == ReviewStatus.SentBack)));
        }
        else
        {
            traces = traces.Where(t => t.Round == 0 && t.Status == TraceStatus.Succeeded && t.Verdict == Verdict.Incorrect);
        }
        if (spec.SourceRunId is { } source)
        {
            traces = traces.Where(t => t.RunId == source);
        }
        var questions = db.Questions.Where(q => q.ReferenceAnswer != null && q.ReferenceDisputedAt == null);
        if (spec.Filter?.TaskType is { } type)
        {
            questions = questions.Where(q => q.TaskType == type);
        }
        if (spec.Filter?.Difficulty is { } difficulty)
        {
            questions = questions.Where(q => q.Difficulty == difficulty);
        }
        return traces.Where(t => questions.Any(q => q.Id == t.QuestionId));
    }

}
