using System.Runtime.CompilerServices;
using System.Text.Json;
using DeepFinance.Core.Data;
using DeepFinance.Core.Llm;
using DeepFinance.Core.Prompts;
using DeepFinance.Core.Runs;
using DeepFinance.Core.Verification;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Synthesis;

/// <summary>Which questions already in the pool a <c>synthesize</c> run samples. Empty fields do not filter.</summary>
public sealed record QuestionFilter
{
    public long? SeedSourceId { get; init; }
    public QuestionOrigin? Origin { get; init; }
    public TaskType? TaskType { get; init; }
    public Difficulty? Difficulty { get; init; }
    public IReadOnlyList<long>? QuestionIds { get; init; }

    public const int MaxIds = 100_000;

    public IQueryable<Question> Apply(DeepFinanceDbContext db)
    {
        ArgumentNullException.ThrowIfNull(db);
        var q = db.Questions.AsNoTracking();
        if (SeedSourceId is { } source)
        {
            q = q.Where(x => db.SeedItems.Any(i => i.Id == x.SeedItemId && i.SeedSourceId == source));
        }
        if (Origin is { } origin)
        {
            q = q.Where(x => x.Origin == origin);
        }
        if (TaskType is { } type)
        {
            q = q.Where(x => x.TaskType == type);
        }
        if (Difficulty is { } difficulty)
        {
            q = q.Where(x => x.Difficulty == difficulty);
        }
        if (QuestionIds is { Count: > 0 } ids)
        {
            q = q.Where(x => ids.Contains(x.Id));
        }
        return q;
    }
}

/// <summary>The <c>synthesize</c> spec: a question filter and how to sample.</summary>
public sealed record SynthesizeSpec : SamplingSettings
{
    public QuestionFilter? Filter { get; init; }
}

/// <summary>
/// <c>synthesize</c>: k samples for questions already in the pool, chosen by a filter — for example the
/// same questions sampled by a second synthesizer.
/// </summary>
public sealed class SynthesizeRunHandler(
    IDbContextFactory<DeepFinanceDbContext> dbFactory,
    SamplingPlanner planner,
    PromptLibrary prompts,
    CotSampler sampler,
    LlmGateway gateway,
    AnswerVerifier verifier) : IRunKindHandler
{
    public string Kind => "synthesize";

    public async Task<RunPlan> PlanAsync(RunLaunch launch, SynthesizerProfile synthesizer, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(launch);
        var spec = SamplingPlanner.Read<SynthesizeSpec>(launch.Spec);
        var filter = spec.Filter ?? new QuestionFilter();
        if (filter.QuestionIds is { Count: > QuestionFilter.MaxIds })
        {
            throw new RunValidationException("filter.questionIds", $"At most {QuestionFilter.MaxIds} question ids; use another filter for more.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (filter.SeedSourceId is { } source && !await db.SeedSources.AnyAsync(s => s.Id == source, ct))
        {
            throw new RunValidationException("filter.seedSourceId", $"No seed source with id {source}.");
        }
        if (filter.QuestionIds is { Count: > 0 } ids)
        {
            var known = await db.Questions.Where(q => ids.Contains(q.Id)).Select(q => q.Id).ToListAsync(ct);
            var missing = ids.Except(known).Take(10).ToList();
            if (missing.Count > 0)
            {
                throw new RunValidationException("filter.questionIds", $"No question with id {string.Join(", ", missing)}.");
            }
        }
        if (!await filter.Apply(db).AnyAsync(ct))
        {
            throw new RunValidationException("filter", "No question matches this filter.");
        }
        var normalised = spec with { Filter = filter };
        return await planner.PlanAsync(spec, JsonSerializer.SerializeToElement(normalised, RunJson.Options), filter.SeedSourceId, ct);
    }

    public async Task<RunEstimate> EstimateAsync(RunPlan plan, SynthesizerProfile synthesizer, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var filter = plan.Spec.Deserialize<SynthesizeSpec>(RunJson.Options)?.Filter ?? new QuestionFilter();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var questions = filter.Apply(db);
        var count = await questions.CountAsync(ct);
        var avgChars = await questions.Select(q => (double?)q.Text.Length).AverageAsync(ct) ?? 0;
        return await planner.EstimateAsync(plan, synthesizer, count, avgChars, ct);
    }

    public async IAsyncEnumerable<RunItemSeed> CreateItemsAsync(RunContext run, [EnumeratorCancellation] CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(run);
        var filter = run.SpecAs<SynthesizeSpec>().Filter ?? new QuestionFilter();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await foreach (var id in filter.Apply(db).OrderBy(q => q.Id).Select(q => q.Id).AsAsyncEnumerable().WithCancellation(ct))
        {
            foreach (var seed in SamplingPlanner.Items(id, run.Run.SamplesPerQuestion))
            {
                yield return seed;
            }
        }
    }

    public async Task<IPartitionWork> OpenPartitionAsync(RunContext run, IReadOnlyList<RunItemRef> items, CancellationToken ct) =>
        await CotSamplingWork.OpenAsync(run, items, dbFactory, prompts, sampler, gateway, verifier, ct);

    public Task CompletedAsync(RunContext run, CancellationToken ct) => planner.CompletedAsync(run, ct);
}
