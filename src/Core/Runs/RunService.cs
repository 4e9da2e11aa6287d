using System.Text.Json;
using DeepFinance.Core.Data;
using DeepFinance.Core.Llm;
using DeepFinance.Core.Prompts;
using DeepFinance.Core.Verification;
using DeepFinance.Core.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DeepFinance.Core.Runs;

/// <summary>Launches, estimates, cancels and resumes runs, and reads their progress.</summary>
public sealed class RunService(
    IDbContextFactory<DeepFinanceDbContext> dbFactory,
    SynthesizerCatalog catalog,
    SynthesizerBreaker breaker,
    RunKindRegistry kinds,
    IRunScheduler scheduler,
    RunStopSignals stopSignals,
    AuditLog audit,
    IRunProgressNotifier notifier,
    IOptions<RunOptions> options,
    IOptions<LlmOptions> llmOptions)
{
    public const int MaxNameLength = 200;

    public IReadOnlyCollection<string> Kinds => kinds.Kinds;

    public Task<RunEstimate> EstimateAsync(RunSpec spec, CancellationToken ct = default) => EstimateAsync(Flat(spec), ct);

    public async Task<RunEstimate> EstimateAsync(RunLaunch launch, CancellationToken ct = default)
    {
        var (handler, profile, plan) = await PlanAsync(launch, ct);
        var estimate = await handler.EstimateAsync(plan, profile, ct);
        return estimate with { RequestTimeoutSeconds = llmOptions.Value.RequestTimeoutSeconds };
    }

    public Task<long> LaunchAsync(RunSpec spec, string? launchedBy, CancellationToken ct = default) => LaunchAsync(Flat(spec), launchedBy, ct);

    public async Task<long> LaunchAsync(RunLaunch launch, string? launchedBy, CancellationToken ct = default)
    {
        var (handler, profile, plan) = await PlanAsync(launch, ct);
        var parameters = (plan.Parameters ?? new RunParameters(VerificationTolerances.Default.RelativeTolerance, options.Value.DefaultPartitionSize))
            with { PartitionSize = launch.PartitionSize ?? plan.Parameters?.PartitionSize ?? options.Value.DefaultPartitionSize };
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = new Run
        {
            Kind = handler.Kind,
            Status = RunStatus.Queued,
            Name = string.IsNullOrWhiteSpace(launch.Name) ? null : launch.Name.Trim(),
            SeedSourceId = plan.SeedSourceId,
            SynthesizerName = profile.Name,
            Model = profile.Model,
            SamplesPerQuestion = plan.SamplesPerQuestion,
            PromptTemplateId = plan.Prompts.Count > 0 ? plan.Prompts[0].PromptTemplateId : 0,
            SamplingSalt = plan.SamplingSalt,
            ParametersJson = JsonSerializer.Serialize(parameters),
            SpecJson = plan.Spec.GetRawText(),
            InputPricePerMillion = profile.InputPricePerMillion,
            OutputPricePerMillion = profile.OutputPricePerMillion,
            CreatedAt = DateTimeOffset.UtcNow,
            LaunchedBy = launchedBy,
        };
        db.Runs.Add(run);
        await db.SaveChangesAsync(ct);
        foreach (var (role, promptId) in plan.Prompts)
        {
            db.RunPrompts.Add(new RunPrompt { RunId = run.Id, Role = role, PromptTemplateId = promptId });
        }
        await db.SaveChangesAsync(ct);
        await audit.WriteAsync(launchedBy ?? "system", "run.launched", $"run:{run.Id}", after: new
        {
            kind = run.Kind, synthesizer = run.SynthesizerName, spec = run.SpecJson, run.ParametersJson,
            prompts = plan.Prompts.Select(p => new { role = p.Role, id = p.PromptTemplateId }),
        }, ct: ct);
        scheduler.EnqueuePrepare(run.Id);
        notifier.RunChanged(run.Id);
        return run.Id;
    }

    /// <summary>What every kind shares (kind, synthesizer, name, partition size) is checked here; the kind checks its spec.</summary>
    private async Task<(IRunKindHandler Handler, SynthesizerProfile Profile, RunPlan Plan)> PlanAsync(RunLaunch launch, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(launch);
        var handler = kinds.Get(launch.Kind);
        if (launch.Name is { Length: > MaxNameLength })
        {
            throw new RunValidationException("name", $"A run name may be at most {MaxNameLength} characters.");
        }
        if (launch.PartitionSize is { } size && (size < 1 || size > options.Value.MaxPartitionSize))
        {
            throw new RunValidationException("partitionSize", $"Partition size must be between 1 and {options.Value.MaxPartitionSize}.");
        }
        if (string.IsNullOrWhiteSpace(launch.Synthesizer))
        {
            throw new RunValidationException("synthesizer", "Choose a synthesizer.");
        }
        var profile = await catalog.FindAsync(launch.Synthesizer.Trim(), ct)
            ?? throw new RunValidationException("synthesizer", $"No synthesizer named '{launch.Synthesizer}'.");
        if (launch.Spec.ValueKind is not (JsonValueKind.Object or JsonValueKind.Undefined))
        {
            throw new RunValidationException("spec", "The spec must be a JSON object.");
        }
        var plan = await handler.PlanAsync(launch, profile, ct);
        return (handler, profile, plan);
    }

    private static RunLaunch Flat(RunSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.ToLaunch();
    }

    public async Task<bool> CancelAsync(long runId, string? actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var allowed = RunStateRules.Cancellable;
        var changed = await db.Runs.Where(r => r.Id == runId && allowed.Contains(r.Status))
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Cancelled).SetProperty(r => r.FinishedAt, DateTimeOffset.UtcNow), ct);
        if (changed > 0)
        {
            stopSignals.Stop(runId);
            await audit.WriteAsync(actor ?? "system", "run.cancelled", $"run:{runId}", ct: ct);
            notifier.RunChanged(runId);
        }
        return changed > 0;
    }

    /// <summary>Resumes a paused, cancelled or failed run: failed items are tried again, answered ones are not sent again.</summary>
    public async Task<bool> ResumeAsync(long runId, string? actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var synthesizer = await db.Runs.Where(r => r.Id == runId).Select(r => r.SynthesizerName).FirstOrDefaultAsync(ct);
        var allowed = RunStateRules.Resumable;
        var changed = await db.Runs.Where(r => r.Id == runId && allowed.Contains(r.Status))
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Queued).SetProperty(r => r.FinishedAt, (DateTimeOffset?)null)
                .SetProperty(r => r.Error, (string?)null), ct);
        if (changed == 0)
        {
            return false;
        }
        // An operator resuming says the endpoint is back: give it a fresh chance rather than wait out the cool-down.
        breaker.Reset(synthesizer!);
        await audit.WriteAsync(actor ?? "system", "run.resumed", $"run:{runId}", ct: ct);
        scheduler.EnqueuePrepare(runId);
        notifier.RunChanged(runId);
        return true;
    }

    public async Task<RunProgress?> GetAsync(long runId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == runId, ct);
        if (run is null)
        {
            return null;
        }
        var verdicts = await db.Traces.Where(t => t.RunId == runId && t.Verdict != null)
            .GroupBy(t => t.Verdict).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct);
        int Count(Verdict v) => verdicts.FirstOrDefault(x => x.Key == v)?.Count ?? 0;
        return ToProgress(run, Count(Verdict.Correct), Count(Verdict.Incorrect), Count(Verdict.Unverifiable));
    }

    public async Task<(int Total, IReadOnlyList<RunProgress> Items)> ListAsync(int page, int pageSize, RunStatus? status = null, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = db.Runs.AsNoTracking();
        if (status is { } s)
        {
            query = query.Where(r => r.Status == s);
        }
        var total = await query.CountAsync(ct);
        var rows = await query.OrderByDescending(r => r.Id).Skip(Paging.Offset(page, pageSize)).Take(pageSize).ToListAsync(ct);
        return (total, rows.Select(r => ToProgress(r, 0, 0, 0)).ToList());
    }

    private static RunProgress ToProgress(Run r, int correct, int incorrect, int unverifiable) => new(
        r.Id, r.Kind, r.Status, r.Name, r.SeedSourceId, r.SynthesizerName, r.Model, r.SamplesPerQuestion, r.PromptTemplateId,
        r.SamplingSalt, r.Total, r.Done, r.Failed, r.FromStore, r.Attempts, r.PromptTokens, r.CompletionTokens, r.ReasoningTokens,
        r.Cost, r.PartitionCount, r.CreatedAt, r.StartedAt, r.FinishedAt, r.LaunchedBy, r.Error, correct, incorrect, unverifiable);
}
