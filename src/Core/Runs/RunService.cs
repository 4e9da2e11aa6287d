using System.Text.Json;
using DeepFinance.Core.Data;
using DeepFinance.Core.Llm;
using DeepFinance.Core.Prompts;
using DeepFinance.Core.Synthesis;
using DeepFinance.Core.Verification;
using DeepFinance.Core.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DeepFinance.Core.Runs;

/// <summary>Launches, estimates, cancels and resumes runs, and reads their progress.</summary>
public sealed class RunService(
    IDbContextFactory<DeepFinanceDbContext> dbFactory,
    SynthesizerCatalog catalog,
    PromptLibrary prompts,
    IRunScheduler scheduler,
    AuditLog audit,
    IRunProgressNotifier notifier,
    IOptions<RunOptions> options)
{
    public static readonly RunKind[] SupportedKinds = [RunKind.Q2a];

    public async Task<RunEstimate> EstimateAsync(RunSpec spec, CancellationToken ct = default)
    {
        var (profile, _, questions) = await ValidateAsync(spec, ct);
        await ValidateJudgeAsync(spec.Judge, ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var avgQuestionChars = await db.SeedItems.Where(i => i.SeedSourceId == spec.SeedSourceId)
            .Select(i => (double?)i.Question.Length).AverageAsync(ct) ?? 0;
        // Typical completion length from this synthesizer's stored answers; a quarter of max tokens before any exist.
        var avgCompletion = await db.LlmResponses.Where(r => r.SynthesizerName == profile.Name)
            .Select(r => (double?)r.CompletionTokens).AverageAsync(ct) ?? profile.MaxTokens / 4.0;
        var requests = questions * spec.SamplesPerQuestion;
        var promptTokens = (long)(requests * (avgQuestionChars / 2.0 + 150));
        var completionTokens = (long)(requests * avgCompletion);
        return new RunEstimate(questions, requests, promptTokens, completionTokens,
            SynthesizerProfile.CostOf(promptTokens, completionTokens, profile.InputPricePerMillion, profile.OutputPricePerMillion),
            profile.Simulated);
    }

    public async Task<long> LaunchAsync(RunSpec spec, string? launchedBy, CancellationToken ct = default)
    {
        var (profile, prompt, _) = await ValidateAsync(spec, ct);
        var judge = await ValidateJudgeAsync(spec.Judge, ct);
        var judgePrompt = judge is null ? null : await prompts.GetAsync(PromptLibrary.AnswerJudge, null, ct);
        var parameters = new RunParameters(spec.RelativeTolerance ?? VerificationTolerances.Default.RelativeTolerance,
            spec.PartitionSize ?? options.Value.DefaultPartitionSize, judge?.Name, judgePrompt?.Id);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = new Run
        {
            Kind = spec.Kind,
            Status = RunStatus.Queued,
            Name = string.IsNullOrWhiteSpace(spec.Name) ? null : spec.Name.Trim(),
            SeedSourceId = spec.SeedSourceId,
            SynthesizerName = profile.Name,
            Model = profile.Model,
            SamplesPerQuestion = spec.SamplesPerQuestion,
            PromptTemplateId = prompt.Id,
            SamplingSalt = spec.SamplingSalt?.Trim() ?? "",
            ParametersJson = JsonSerializer.Serialize(parameters),
            InputPricePerMillion = profile.InputPricePerMillion,
            OutputPricePerMillion = profile.OutputPricePerMillion,
            CreatedAt = DateTimeOffset.UtcNow,
            LaunchedBy = launchedBy,
        };
        db.Runs.Add(run);
        await db.SaveChangesAsync(ct);
        await audit.WriteAsync(launchedBy ?? "system", "run.launched", $"run:{run.Id}", after: new
        {
            kind = run.Kind.ToString().ToLowerInvariant(), run.SeedSourceId, synthesizer = run.SynthesizerName, run.SamplesPerQuestion,
            run.PromptTemplateId, run.SamplingSalt, run.ParametersJson,
        }, ct: ct);
        scheduler.EnqueuePrepare(run.Id);
        notifier.RunChanged(run.Id);
        return run.Id;
    }

    /// <summary>The judge synthesizer a run names, if any; an unknown name fails the launch on field "judge".</summary>
    private async Task<SynthesizerProfile?> ValidateJudgeAsync(string? judge, CancellationToken ct) =>
        string.IsNullOrWhiteSpace(judge)
            ? null
            : await catalog.FindAsync(judge.Trim(), ct) ?? throw new RunValidationException("judge", $"No synthesizer named '{judge.Trim()}' to act as judge.");

    private async Task<(SynthesizerProfile Profile, PromptVersion Prompt, int Questions)> ValidateAsync(RunSpec spec, CancellationToken ct)
    {
        if (!SupportedKinds.Contains(spec.Kind))
        {
            throw new RunValidationException("kind", $"Run kind '{spec.Kind.ToString().ToLowerInvariant()}' is not available yet; supported: {string.Join(", ", SupportedKinds.Select(k => k.ToString().ToLowerInvariant()))}.");
        }
        if (spec.SamplesPerQuestion < 1 || spec.SamplesPerQuestion > options.Value.MaxSamplesPerQuestion)
        {
            throw new RunValidationException("samplesPerQuestion", $"Samples per question must be between 1 and {options.Value.MaxSamplesPerQuestion}.");
        }
        if (spec.RelativeTolerance is < 0 or > 0.5)
        {
            throw new RunValidationException("relativeTolerance", "Relative tolerance must be between 0 and 0.5.");
        }
        if (spec.PartitionSize is < 1 or > 10_000)
        {
            throw new RunValidationException("partitionSize", "Partition size must be between 1 and 10000.");
        }
        var profile = await catalog.FindAsync(spec.Synthesizer ?? "", ct)
            ?? throw new RunValidationException("synthesizer", $"No synthesizer named '{spec.Synthesizer}'.");
        PromptVersion prompt;
        try
        {
            prompt = await prompts.GetAsync(PromptLibrary.CotSample, spec.TemplateVersion, ct);
        }
        catch (KeyNotFoundException e)
        {
            throw new RunValidationException("templateVersion", e.Message);
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var source = await db.SeedSources.AsNoTracking().FirstOrDefaultAsync(s => s.Id == spec.SeedSourceId, ct)
            ?? throw new RunValidationException("seedSourceId", $"No seed source with id {spec.SeedSourceId}.");
        return (profile, prompt, source.ItemCount);
    }

    public async Task<bool> CancelAsync(long runId, string? actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var allowed = RunStateRules.Cancellable;
        var changed = await db.Runs.Where(r => r.Id == runId && allowed.Contains(r.Status))
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Cancelled).SetProperty(r => r.FinishedAt, DateTimeOffset.UtcNow), ct);
        if (changed > 0)
        {
            await audit.WriteAsync(actor ?? "system", "run.cancelled", $"run:{runId}", ct: ct);
            notifier.RunChanged(runId);
        }
        return changed > 0;
    }

    /// <summary>Resumes a cancelled, failed or paused run: failed items are tried again, answered ones are not sent again.</summary>
    public async Task<bool> ResumeAsync(long runId, string? actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var allowed = RunStateRules.Resumable;
        var changed = await db.Runs.Where(r => r.Id == runId && allowed.Contains(r.Status))
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Queued).SetProperty(r => r.FinishedAt, (DateTimeOffset?)null)
                .SetProperty(r => r.Error, (string?)null), ct);
        if (changed == 0)
        {
            return false;
        }
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
        var rows = await query.OrderByDescending(r => r.Id).Skip((Math.Max(1, page) - 1) * pageSize).Take(pageSize).ToListAsync(ct);
        return (total, rows.Select(r => ToProgress(r, 0, 0, 0)).ToList());
    }

    private static RunProgress ToProgress(Run r, int correct, int incorrect, int unverifiable) => new(
        r.Id, r.Kind, r.Status, r.Name, r.SeedSourceId, r.SynthesizerName, r.Model, r.SamplesPerQuestion, r.PromptTemplateId,
        r.SamplingSalt, r.Total, r.Done, r.Failed, r.FromStore, r.Attempts, r.PromptTokens, r.CompletionTokens, r.ReasoningTokens,
        r.Cost, r.PartitionCount, r.CreatedAt, r.StartedAt, r.FinishedAt, r.LaunchedBy, r.Error, correct, incorrect, unverifiable);
}
