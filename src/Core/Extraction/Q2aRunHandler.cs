using System.Runtime.CompilerServices;
using System.Text.Json;
using DeepFinance.Core.Data;
using DeepFinance.Core.Llm;
using DeepFinance.Core.Prompts;
using DeepFinance.Core.Runs;
using DeepFinance.Core.Synthesis;
using DeepFinance.Core.Verification;
using Microsoft.EntityFrameworkCore;

namespace DeepFinance.Core.Extraction;

/// <summary>The <c>q2a</c> spec: a seed source whose QA pairs become questions, and how to sample them.</summary>
public sealed record Q2aSpec : SamplingSettings
{
    public long? SeedSourceId { get; init; }
}

/// <summary><c>q2a</c>: a seed source's QA pairs become questions (curated once), each sampled k times and verified.</summary>
public sealed class Q2aRunHandler(
    IDbContextFactory<DeepFinanceDbContext> dbFactory,
    Q2aCurator curator,
    SamplingPlanner planner,
    PromptLibrary prompts,
    CotSampler sampler,
    LlmGateway gateway,
    AnswerVerifier verifier) : IRunKindHandler
{
    public string Kind => "q2a";

    public async Task<RunPlan> PlanAsync(RunLaunch launch, SynthesizerProfile synthesizer, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(launch);
        var spec = SamplingPlanner.Read<Q2aSpec>(launch.Spec);
        if (spec.SeedSourceId is not { } sourceId)
        {
            throw new RunValidationException("seedSourceId", "Choose a seed source.");
        }
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            if (!await db.SeedSources.AnyAsync(s => s.Id == sourceId, ct))
            {
                throw new RunValidationException("seedSourceId", $"No seed source with id {sourceId}.");
            }
        }
        return await planner.PlanAsync(spec, JsonSerializer.SerializeToElement(spec, RunJson.Options), sourceId, ct);
    }

    public async Task<RunEstimate> EstimateAsync(RunPlan plan, SynthesizerProfile synthesizer, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(plan);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var items = db.SeedItems.Where(i => i.SeedSourceId == plan.SeedSourceId);
        var count = await items.CountAsync(ct);
        var avgChars = await items.Select(i => (double?)i.Question.Length).AverageAsync(ct) ?? 0;
        return await planner.EstimateAsync(plan, synthesizer, count, avgChars, ct);
    }

    public async IAsyncEnumerable<RunItemSeed> CreateItemsAsync(RunContext run, [EnumeratorCancellation] CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(run);
        var sourceId = run.SpecAs<Q2aSpec>().SeedSourceId ?? throw new InvalidOperationException($"run {run.RunId} names no seed source");
        await curator.CurateAsync(sourceId, run.RunId, ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var questionIds = db.Questions.AsNoTracking()
            .Where(q => q.Origin == QuestionOrigin.Q2A && db.SeedItems.Any(i => i.Id == q.SeedItemId && i.SeedSourceId == sourceId))
            .OrderBy(q => q.Id).Select(q => q.Id).AsAsyncEnumerable();
        await foreach (var id in questionIds.WithCancellation(ct))
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
